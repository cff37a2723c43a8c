// Unit tests of the replay guard on fake time: once per signature, expiry with the window, the size bound.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReplayGuard } from './replay-guard.ts';

const NOW = 1_800_000_000;
const WINDOW = 300;

describe('ReplayGuard', () => {
  test('admits a signature once and refuses it again while it could still be fresh', () => {
    const guard = new ReplayGuard();
    assert.equal(guard.admit('a', NOW + WINDOW, NOW), true);
    assert.equal(guard.admit('a', NOW + WINDOW, NOW + WINDOW), false);
    assert.equal(guard.admit('b', NOW + WINDOW, NOW), true);
  });

  test('drops signatures once they are past their expiry', () => {
    const guard = new ReplayGuard();
    guard.admit('a', NOW + WINDOW, NOW);
    guard.admit('b', NOW + 10 + WINDOW, NOW + 10);
    guard.admit('c', NOW + 20 + WINDOW, NOW + WINDOW + 5);
    assert.equal(guard.size, 2, 'a expired when c arrived');
    assert.equal(guard.admit('x', NOW + 10 * WINDOW, NOW + 10 * WINDOW), true);
    assert.equal(guard.size, 1);
  });

  test('holds at most maxEntries, forgetting the oldest first and counting it', () => {
    const guard = new ReplayGuard({ maxEntries: 3 });
    for (const s of ['a', 'b', 'c', 'd']) assert.equal(guard.admit(s, NOW + WINDOW, NOW), true);
    assert.equal(guard.size, 3);
    assert.equal(guard.forgottenEarly, 1);
    assert.equal(guard.admit('d', NOW + WINDOW, NOW), false);
    assert.equal(guard.admit('a', NOW + WINDOW, NOW), true, 'the oldest was forgotten early');
  });

  test('stays bounded under 200,000 distinct signatures', () => {
    const guard = new ReplayGuard({ maxEntries: 50_000 });
    for (let i = 0; i < 200_000; i++) guard.admit(`sig-${i}`, NOW + WINDOW, NOW);
    assert.equal(guard.size, 50_000);
    assert.equal(guard.forgottenEarly, 150_000);
  });
});
