// Unit tests of the outage gate: closed on an unreachable worker, probed on a backoff, parked keys released when it answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { OutageGate } from './outage-gate.ts';

test('outage gate should probe only while closed, and release every parked key when the worker answers', async () => {
  const clock = new FakeClock();
  let up = false;
  let probes = 0;
  const released: string[][] = [];
  const changes: boolean[] = [];
  const gate = new OutageGate({
    clock,
    probe: () => {
      probes++;
      return Promise.resolve(up);
    },
    release: (keys) => released.push(keys),
    onChange: (open) => changes.push(open),
    probeBackoff: { baseDelayMs: 100, maxDelayMs: 400 },
  });
  await clock.advance(10_000);
  assert.equal(probes, 0, 'an open gate sends nothing');
  gate.down();
  gate.down();
  gate.park('ns/a');
  gate.park('ns/b');
  gate.park('ns/a');
  assert.equal(gate.open, false);
  assert.equal(gate.parked, 2);
  await clock.advance(100 + 200 + 400 + 400);
  assert.equal(probes, 4, 'probes back off: 100, 200, 400, 400 ms');
  up = true;
  await clock.advance(400);
  assert.equal(gate.open, true);
  assert.deepEqual(released, [['ns/a', 'ns/b']]);
  assert.deepEqual(changes, [false, true]);
  await clock.advance(10_000);
  assert.equal(probes, 5, 'no probe once open');
});

test('outage gate should stop probing when stopped', async () => {
  const clock = new FakeClock();
  let probes = 0;
  const gate = new OutageGate({
    clock,
    probe: () => {
      probes++;
      return Promise.resolve(false);
    },
    release: () => undefined,
  });
  gate.down();
  gate.stop();
  await clock.advance(60_000);
  assert.equal(probes, 0);
});
