// Unit tests of the written-status memory: which cached copies are older than the relay's own status write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../kube/object.ts';
import { WrittenStatuses } from './written-status.ts';

const primary = (resourceVersion: string, status: Record<string, unknown> = { ready: false }): KObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'demo', resourceVersion },
  status,
});

test('written statuses should show the written status while the cache holds the copy the write was based on', () => {
  const statuses = new WrittenStatuses();
  statuses.wrote('demo/w1', primary('10'), { ready: true }, '12');
  assert.deepEqual(statuses.view('demo/w1', primary('10')).status, { ready: true });
  assert.deepEqual(statuses.view('demo/w1', primary('11')).status, { ready: true }, 'older than the write');
  assert.equal(statuses.size, 1);
});

test('written statuses should drop the memory once the cache holds the write or anything newer', () => {
  const statuses = new WrittenStatuses();
  statuses.wrote('demo/w1', primary('10'), { ready: true }, '12');
  const caught = primary('12', { ready: true });
  assert.equal(statuses.view('demo/w1', caught), caught);
  assert.equal(statuses.size, 0);
  statuses.wrote('demo/w1', primary('12'), { ready: 'again' }, '14');
  const newer = primary('15', { ready: 'someone else' });
  assert.equal(statuses.view('demo/w1', newer), newer, 'a newer copy wins, whatever its status');
  assert.equal(statuses.size, 0);
});

test('written statuses should trust only the base version when versions are not decimal, and forget deleted primaries', () => {
  const statuses = new WrittenStatuses();
  statuses.wrote('demo/w1', primary('a'), { ready: true }, 'c');
  assert.deepEqual(statuses.view('demo/w1', primary('a')).status, { ready: true });
  assert.deepEqual(
    statuses.view('demo/w1', primary('b')).status,
    { ready: false },
    'unknown order: the cache',
  );
  statuses.wrote('demo/w1', primary('1'), { ready: true }, '2');
  statuses.forget('demo/w1');
  assert.equal(statuses.size, 0);
});

test('written statuses should drop the memory when the watch delivers the write, so an idle primary holds none', () => {
  const statuses = new WrittenStatuses();
  statuses.wrote('demo/w1', primary('10'), { ready: true }, '12');
  statuses.seen('demo/w1', primary('11'));
  assert.equal(statuses.size, 1, 'an older event keeps it');
  statuses.seen('demo/w1', primary('12', { ready: true }));
  assert.equal(statuses.size, 0);
});
