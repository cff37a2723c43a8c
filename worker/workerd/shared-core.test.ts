// The QuickJS engine core ships once for every QuickJS reconciler, yet each reconciler runs in its own instance (real workerd).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRecord } from '../../reconcilers/pipeline/cache.ts';
import { ReconcileResponse } from '../../src/protocol/schemas.ts';
import { ROOT } from '../testing/bundle.ts';
import { startWorker, type RunningWorker } from '../testing/harness.ts';
import { websiteRequest } from '../testing/realistic.ts';
import { sampleRequest, signedPost } from '../testing/requests.ts';

const REGISTRY = join(ROOT, 'build', 'fixtures', 'registry.ts');

describe('the generated registry', () => {
  test('imports each core module once, and hands the same engine module to every reconciler', async () => {
    const source = await readFile(REGISTRY, 'utf8');
    const wasmImports = [...source.matchAll(/^import (core\d+) from '(.+\.wasm)';$/gm)];
    const paths = wasmImports.map((m) => m[2] ?? '');
    assert.equal(new Set(paths).size, paths.length, 'no core module is imported twice');

    // The bindings each reconciler's module map uses.
    const all = [...source.matchAll(/const modules\d+[^=]*= \{\n([^}]*)\};/g)].map(
      (m) => new Set([...(m[1] ?? '').matchAll(/: (core\d+),/g)].map((e) => e[1])),
    );
    // Which of them are QuickJS components (Go components carry their own runtime, shared with no one).
    const names = [...source.matchAll(/lookup\('([a-z0-9-]+)', modules\d+\)/g)].map((m) => m[1] ?? '');
    assert.equal(names.length, all.length);
    const backends = await Promise.all(
      names.map(async (name) => {
        const group = (await readRecord(join(ROOT, 'build', 'reconcilers', name)))
          ? 'reconcilers'
          : 'fixtures';
        return (await readRecord(join(ROOT, 'build', group, name)))?.backend;
      }),
    );
    const maps = all.filter((_, i) => backends[i] === 'qjs');
    assert.ok(maps.length >= 3, `website, database and faulty: found ${maps.length} QuickJS reconcilers`);
    const uses = maps.reduce((n, m) => n + m.size, 0);
    assert.ok(paths.length < uses, `${paths.length} modules shipped for ${uses} module uses`);

    // The largest module the QuickJS reconcilers use (their engine) is one import that every one uses.
    const quickJs = new Set(maps.flatMap((m) => [...m]));
    const sizes = await Promise.all(
      wasmImports
        .filter((m) => quickJs.has(m[1]))
        .map(async (m) => ({
          binding: m[1],
          bytes: (await readFile(join(ROOT, 'build', 'fixtures', m[2] ?? ''))).length,
        })),
    );
    const engine = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    assert.ok(engine.bytes > 1_000_000, `the engine core: ${engine.bytes} bytes`);
    for (const map of maps) assert.ok(map.has(engine.binding), `${engine.binding} in every reconciler`);
  });
});

describe('worker in workerd: one engine module, one instance per reconciler', () => {
  let worker: RunningWorker;
  before(async () => {
    worker = await startWorker();
  });
  after(async () => {
    await worker.close();
  });

  const post = async (name: string, request: unknown) => {
    const path = `/v1/reconcilers/${name}/reconcile`;
    return worker.fetch(path, await signedPost(path, request));
  };
  const instantiated = (name: string) =>
    worker.logLines().filter((l) => l.msg === 'instantiate' && l.reconciler === name).length;

  test('a trap in one reconciler drops only its instance; another built from the same modules keeps answering', async () => {
    const website = await post('website', websiteRequest());
    assert.equal(website.status, 200, await website.clone().text());
    const before = ReconcileResponse.parse(await website.json());
    const faultyOk = await post('faulty', sampleRequest({ spec: { mode: 'ok' } }));
    assert.equal(faultyOk.status, 200, await faultyOk.text());

    worker.clearLogs();
    const trapped = await post('faulty', sampleRequest({ spec: { mode: 'trap' } }));
    assert.equal(trapped.status, 500);
    assert.match(await trapped.text(), /reconciler_trap/);

    const after = await post('website', websiteRequest());
    assert.equal(after.status, 200, await after.clone().text());
    assert.deepEqual(ReconcileResponse.parse(await after.json()), before, 'same answer as before the trap');
    assert.equal(instantiated('website'), 0, 'website kept its instance');

    const again = await post('faulty', sampleRequest({ spec: { mode: 'ok' } }));
    assert.equal(again.status, 200, await again.text());
    assert.equal(instantiated('faulty'), 1, 'faulty got a fresh instance of the same modules');
  });
});
