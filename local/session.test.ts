// Tests of the stop stack behind npm start's shutdown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session } from './session.ts';

test('Session should stop in reverse order, once, and keep going after a failure', async () => {
  const order: string[] = [];
  const errors: string[] = [];
  const session = new Session((what) => errors.push(what));
  session.add('plane', () => Promise.resolve(void order.push('plane')));
  session.add('worker', () => Promise.reject(new Error('boom')));
  session.add('relay', () => Promise.resolve(void order.push('relay')));
  await Promise.all([session.stop(), session.stop()]);
  assert.deepEqual(order, ['relay', 'plane']);
  assert.deepEqual(errors, ['worker']);
  assert.equal(session.isStopping(), true);
});

test('Session should stop something added while stopping, and wait for it', async () => {
  const order: string[] = [];
  const session = new Session(() => undefined);
  let release = (): void => undefined;
  session.add('slow', () =>
    new Promise<void>((resolve) => (release = resolve)).then(() => void order.push('slow')),
  );
  const stopped = session.stop();
  session.add('late', () => Promise.resolve(void order.push('late')));
  release();
  await stopped;
  assert.deepEqual(order.sort(), ['late', 'slow']);
});

test('Session should stop adjacent concurrent stoppers together, and the rest in order around them', async () => {
  const events: string[] = [];
  const session = new Session(() => undefined);
  const slow = (what: string) => async () => {
    events.push(`${what} start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.push(`${what} end`);
  };
  session.add('temp dir', slow('temp dir'));
  session.add('plane', slow('plane'), { concurrent: true });
  session.add('worker', slow('worker'), { concurrent: true });
  session.add('relay', slow('relay'));
  await session.stop();
  assert.deepEqual(events, [
    'relay start',
    'relay end',
    'worker start',
    'plane start',
    'worker end',
    'plane end',
    'temp dir start',
    'temp dir end',
  ]);
});
