// Tests of the instance pool with STAND-IN factories (plain objects, no wasm): laziness, sharing, dropping.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReconcilerExports } from '../../src/contract/wit.ts';
import { WIT_VERSION } from '../../src/protocol/version.ts';
import { WorkerError } from '../errors/worker-error.ts';
import { InstancePool } from './pool.ts';

function counting() {
  let made = 0;
  const factory = async (): Promise<ReconcilerExports> => {
    made++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return {
      describe: () => {
        throw new Error('unused');
      },
      reconcile: () => {
        throw new Error('unused');
      },
    };
  };
  return { factory, made: () => made };
}

describe('InstancePool', () => {
  test('instantiates nothing until asked', () => {
    const c = counting();
    const pool = new InstancePool({ registry: { a: { wit: WIT_VERSION, instantiate: c.factory } } });
    assert.deepEqual(pool.names(), ['a']);
    assert.equal(c.made(), 0);
  });

  test('shares one instantiation between concurrent first callers', async () => {
    const c = counting();
    const pool = new InstancePool({ registry: { a: { wit: WIT_VERSION, instantiate: c.factory } } });
    const instances = await Promise.all(Array.from({ length: 20 }, () => pool.acquire('a')));
    assert.equal(c.made(), 1);
    assert.equal(new Set(instances).size, 1);
    assert.equal(pool.generation('a'), 1);
  });

  test('drop forgets only the instance it is given', async () => {
    const c = counting();
    const pool = new InstancePool({ registry: { a: { wit: WIT_VERSION, instantiate: c.factory } } });
    const first = await pool.acquire('a');
    assert.equal(pool.drop('a', first), true);
    const second = await pool.acquire('a');
    assert.notEqual(second, first);
    assert.equal(pool.drop('a', first), false, 'a late drop of the old instance keeps the new one');
    assert.equal(await pool.acquire('a'), second);
    assert.equal(pool.generation('a'), 2);
  });

  test('an unknown name is a not_found WorkerError, even for Object.prototype names', async () => {
    const pool = new InstancePool({ registry: {} });
    for (const name of ['nope', 'constructor', '__proto__']) {
      await assert.rejects(
        pool.acquire(name),
        (e: unknown) => e instanceof WorkerError && e.code === 'not_found',
      );
    }
  });
});
