// Unit tests of ApiHealth on fake time: which answers count as failures, and when the apiserver becomes unreachable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { ApiHealth, codeClass, isFailure } from './health.ts';

test('api health should count no answer, 5xx and 401 as failures, and any other answer as reachable', () => {
  assert.deepEqual(
    [0, 200, 401, 403, 404, 409, 429, 500, 503].map((s) => `${s}:${isFailure(s)}`),
    [
      '0:true',
      '200:false',
      '401:true',
      '403:false',
      '404:false',
      '409:false',
      '429:false',
      '500:true',
      '503:true',
    ],
  );
  assert.deepEqual([0, 404, 503].map(codeClass), ['network', '4xx', '5xx']);
});

test('api health should turn unreachable only after failing for longer than the bound', async () => {
  const clock = new FakeClock();
  const health = new ApiHealth({ unreachableAfterMs: 30_000, clock });
  assert.equal(health.now().reachable, true);
  health.record('GET', 0);
  await clock.advance(10_000);
  health.record('WATCH', 503);
  await clock.advance(20_000);
  assert.equal(health.now().reachable, true, 'failing for exactly the bound is still tolerated');
  await clock.advance(1);
  assert.deepEqual(health.now(), { reachable: false, failingForMs: 30_001, lastFailure: 'WATCH 503' });
});

test('api health should recover on one answer or one watch line', async () => {
  const clock = new FakeClock();
  const health = new ApiHealth({ unreachableAfterMs: 1000, clock });
  health.failed('watch stalled');
  await clock.advance(5000);
  assert.equal(health.now().reachable, false);
  health.record('GET', 404);
  assert.equal(health.now().reachable, true, 'a 404 is an answer');
  health.record('GET', 0);
  await clock.advance(5000);
  health.succeeded();
  assert.equal(health.now().reachable, true);
  assert.equal(health.now().failingForMs, undefined);
});
