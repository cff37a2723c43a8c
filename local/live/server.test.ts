// Unit tests of the live page's server over real HTTP on loopback, fed reconcile records by hand (no relay here).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { ReconcileRecord } from '../../relay/controller/controller.ts';
import { readSse } from '../../test/support/sse.ts';
import type { LiveController, LiveSource } from './server.ts';
import { pageAssets, startLivePage } from './server.ts';

const PRIMARY = {
  apiVersion: 'examples.zeroloop.dev/v1alpha1',
  kind: 'Website',
  metadata: { name: 'hello', namespace: 'demo' },
  spec: { replicas: 2 },
};
const LIVE_DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'hello', namespace: 'demo', uid: 'u1', managedFields: [] },
  spec: { replicas: 1, paused: false },
  status: { readyReplicas: 1 },
};

function record(over: Partial<ReconcileRecord> = {}): ReconcileRecord {
  const request = {
    primary: PRIMARY,
    owned: [
      LIVE_DEPLOYMENT,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: 'demo' } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 's',
          namespace: 'demo',
          // kubectl apply keeps the whole object here, Secret values included.
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"c2VjcmV0"}}',
          },
        },
        data: { token: 'c2VjcmV0' },
      },
    ],
    related: [],
    trigger: { type: 'primary' as const },
    finalizing: false,
  };
  const answer = {
    desired: [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello' }, spec: { replicas: 2 } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hello' }, spec: { ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: 'c2VjcmV0' } },
    ],
    status: { replicas: 2 },
    related: [],
    requeueAfterMs: null,
    finalized: false,
    events: [{ type: 'Normal' as const, reason: 'Scaled', message: 'to 2' }],
  };
  return {
    reconciler: 'demo-website',
    key: 'demo/hello',
    trigger: { type: 'primary' },
    result: 'success',
    startedAt: Date.parse('2026-01-01T00:00:00Z'),
    durationMs: 12.34,
    phasesMs: { worker: 3 },
    calls: [{ request, answer }],
    request,
    answer,
    applied: 2,
    pruned: 1,
    statusWritten: true,
    events: answer.events,
    ...over,
  };
}

function source(): LiveSource {
  const controller: LiveController = {
    config: {
      name: 'demo-website',
      spec: { reconciler: 'website', endpoint: 'http://127.0.0.1:1', primary: { kind: 'Website' } },
    },
    queue: { length: 3 },
    inFlight: 1,
    primaryKeys: () => ['demo/b', 'demo/a'],
  };
  return { onReconcile: new Set(), controllers: new Map([['demo-website', controller]]) };
}

/** A raw request, so the Host header and method can be anything. */
function raw(url: string, method: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.once('error', reject);
    req.end();
  });
}

test('the page, its script and style should be served from loopback', async (t) => {
  const page = await startLivePage({ source: source() });
  t.after(() => page.close());
  assert.match(page.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const html = await fetch(page.url);
  assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(await html.text(), /<script src="\/live\.js"/);
  assert.match(await (await fetch(`${page.url}live.js`)).text(), /new EventSource\('\/events'\)/);
  assert.equal((await fetch(`${page.url}live.css`)).status, 200);
  assert.equal((await fetch(`${page.url}nope`)).status, 404);
});

test('it should be read-only and answer only to loopback host names', async (t) => {
  const page = await startLivePage({ source: source() });
  t.after(() => page.close());
  const post = await raw(page.url, 'POST');
  assert.equal(post.status, 405);
  assert.match(post.body, /read-only/);
  const rebound = await raw(page.url, 'GET', 'evil.example:80');
  assert.equal(rebound.status, 403);
  assert.match(rebound.body, /127\.0\.0\.1 or localhost/);
  const port = new URL(page.url).port;
  assert.equal((await raw(page.url, 'GET', `localhost:${port}`)).status, 200);
});

test('a connected page should get the Reconcilers and the backlog, then each reconcile as it happens', async (t) => {
  const src = source();
  const page = await startLivePage({ source: src });
  t.after(() => page.close());
  for (const observer of src.onReconcile) observer(record({ key: 'demo/before' }));
  const stream = await readSse(`${page.url}events`);
  t.after(() => {
    stream.close();
  });
  const rows = JSON.parse((await stream.next((e) => e.event === 'reconcilers')).data) as unknown[];
  assert.deepEqual(rows, [
    {
      name: 'demo-website',
      kind: 'Website',
      reconciler: 'website',
      endpoint: 'http://127.0.0.1:1',
      primaries: 2,
      primaryKeys: ['demo/a', 'demo/b'],
      queueDepth: 3,
      inFlight: 1,
    },
  ]);
  const backlog = JSON.parse((await stream.next((e) => e.event === 'backlog')).data) as { key: string }[];
  assert.deepEqual(
    backlog.map((s) => s.key),
    ['demo/before'],
  );
  const failure = new Error(
    'Service "9x" is invalid: metadata.name: a DNS-1035 label must start with a letter',
  );
  failure.name = 'ApplyFailed';
  for (const observer of src.onReconcile)
    observer(
      record({
        key: 'demo/9x',
        result: 'apply_error',
        error: { name: failure.name, message: failure.message },
      }),
    );
  const pushed = await stream.next((e) => e.event === 'reconcile');
  assert.equal(pushed.id, '2');
  assert.deepEqual(JSON.parse(pushed.data), {
    id: 2,
    time: '2026-01-01T00:00:00.000Z',
    reconciler: 'demo-website',
    key: 'demo/9x',
    trigger: 'primary',
    durationMs: 12.3,
    result: 'apply_error',
    applied: 2,
    pruned: 1,
    statusWritten: true,
    calls: 1,
    events: 1,
    error: { name: 'ApplyFailed', message: failure.message },
  });
  // The Reconcilers' row now carries the last error.
  const updated = await stream.next((e) => e.event === 'reconcilers' && e.data.includes('lastError'));
  assert.match(updated.data, /DNS-1035/);
});

test("a reconcile's detail should carry its calls, Events, the children diff, and no Secret data", async (t) => {
  const src = source();
  const page = await startLivePage({ source: src });
  t.after(() => page.close());
  for (const observer of src.onReconcile) observer(record());
  const detail = (await (await fetch(`${page.url}api/reconciles/1`)).json()) as {
    calls: { request: { primary: unknown }; answer: unknown }[];
    events: unknown[];
    diffs: { child: string; change: string; lines: { op: string; text: string }[] }[][];
  };
  assert.deepEqual(detail.calls[0]?.request.primary, PRIMARY);
  assert.deepEqual(detail.events, [{ type: 'Normal', reason: 'Scaled', message: 'to 2' }]);
  const text = JSON.stringify(detail);
  assert.doesNotMatch(text, /c2VjcmV0/, 'no Secret value anywhere');
  assert.match(text, /<redacted>/);
  const diff = detail.diffs[0] ?? [];
  assert.deepEqual(
    diff.map((d) => [d.child, d.change]),
    [
      ['Deployment demo/hello', 'update'],
      ['Service demo/hello', 'create'],
      ['Secret demo/s', 'unchanged'],
      ['ConfigMap demo/old', 'prune'],
    ],
  );
  const changed = diff[0]?.lines.filter((l) => l.op !== ' ').map((l) => `${l.op}${l.text.trim()}`);
  // Only the field the answer sets differs: uid, managedFields, paused and status are the server's.
  assert.deepEqual(changed, ['-"replicas": 1', '+"replicas": 2']);
  const gone = await fetch(`${page.url}api/reconciles/99`);
  assert.equal(gone.status, 404);
});

test('the page should keep only the last reconciles', async (t) => {
  const src = source();
  const page = await startLivePage({ source: src, limits: { maxEntries: 2 } });
  t.after(() => page.close());
  for (const key of ['demo/1', 'demo/2', 'demo/3']) for (const o of src.onReconcile) o(record({ key }));
  assert.deepEqual(
    page.store.summaries().map((s) => s.key),
    ['demo/2', 'demo/3'],
  );
  assert.equal((await fetch(`${page.url}api/reconciles/1`)).status, 404);
  assert.equal((await fetch(`${page.url}api/reconciles/3`)).status, 200);
});

test('closing the page should stop observing the relay', async () => {
  const src = source();
  const page = await startLivePage({ source: src });
  assert.equal(src.onReconcile.size, 1);
  await page.close();
  assert.equal(src.onReconcile.size, 0);
});

test('the page should stay small: its HTML, script and style under 32 KiB together, no other download', async () => {
  const assets = await pageAssets();
  const bytes = [...assets.values()].reduce((n, a) => n + a.body.length, 0);
  assert.ok(bytes < 32 * 1024, `the page is ${String(bytes)} bytes`);
  const html = assets.get('/')?.body.toString('utf8') ?? '';
  const fetched = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    fetched,
    ['data:,', '/live.css', '/live.js'],
    'only its own files (and no favicon request)',
  );
});
