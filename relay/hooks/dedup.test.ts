// Unit tests of the acknowledged-delivery memory: a day long, bounded, pruned without a timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AcknowledgedDeliveries } from './dedup.ts';

const DAY = 24 * 60 * 60 * 1000;

test('acknowledged deliveries should remember an id for a day after the newest', () => {
  const acked = new AcknowledgedDeliveries();
  acked.add('old', 0);
  acked.add('mid', DAY / 2);
  assert.equal(acked.has('old'), true);
  acked.add('new', DAY + 1);
  assert.equal(acked.has('old'), false, 'more than a day older than the newest: pruned on this add');
  assert.equal(acked.has('mid'), true);
  assert.equal(acked.has('new'), true);
});

test('acknowledged deliveries should stay bounded under a flood, dropping the oldest', () => {
  const acked = new AcknowledgedDeliveries(1000);
  for (let i = 0; i < 5000; i++) acked.add(`d-${String(i)}`, 1000 + i);
  assert.equal(acked.size, 1000);
  assert.equal(acked.has('d-3999'), false);
  assert.equal(acked.has('d-4000'), true);
  assert.equal(acked.has('d-4999'), true);
});
