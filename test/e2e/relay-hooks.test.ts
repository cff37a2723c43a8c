// E2e: hooks. A real GitHub push (@octokit/webhooks-examples, signed with @octokit/webhooks-methods) posted to the real worker in workerd reaches the real relay over the WebSocket the relay opened, and wakes exactly the Websites its selector names; a push to another branch wakes none; a relay SIGKILLed while deliveries wait gets every one after it restarts, once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { main as zeroloop } from '../../cli/main.ts';
import { DEFAULT_KEY_ID } from '../../src/signing.ts';
import { KubeApiError } from '../../relay/kube/client.ts';
import { Discovery } from '../../relay/kube/discovery.ts';
import { ApiListerWatcher } from '../../relay/watch/list-watch.ts';
import { MSG_LEADERSHIP_ACQUIRED } from '../../relay/election/elector.ts';
import { MSG_HOOK_CONNECTION_OPEN } from '../../relay/hooks/connection.ts';
import { MSG_HOOK_DELIVERY } from '../../relay/hooks/deliveries.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import { githubExamples, githubHeaders, hookStatus, postHook } from '../../worker/testing/hooks.ts';
import { TEST_SECRET } from '../../worker/testing/requests.ts';
import type { SharedControlPlane } from '../support/cluster.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { relayClient } from '../support/install.ts';
import { prepareNamespace, reconcilerManifest, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';
import { waitConverged } from '../support/websites.ts';

const HOOK_SECRET = 'e2e hook secret: not a real one';
/** The test worker's single key (SIGNING_SECRET): key id `default`, cluster `default`. */
const WORKER_KEY = { keyId: DEFAULT_KEY_ID, secret: TEST_SECRET, cluster: 'default' };
const SITES = { 'site-a': 'shop', 'site-b': 'shop', 'site-c': 'blog' } as const;

let plane: SharedControlPlane;
let kube: TestKube;
let namespace: string;
let worker: RunningWorker;
let reconciler: string;
let hookPath: string;
let push: Record<string, unknown>;
const relays: RelayProcess[] = [];

const startRelay = async () => {
  const relay = await startRelayProcess({
    kubeconfigPath: plane.kubeconfigPath,
    selector: `zeroloop.dev/test=${namespace}`,
  });
  relays.push(relay);
  return relay;
};

/** Every log line of every relay so far with message `msg` (and `delivery` when given). */
const lines = (msg: string, delivery?: string) =>
  relays
    .flatMap((r) => r.lines)
    .filter((l) => l.msg === msg && (delivery === undefined || l.delivery === delivery));

/** POSTs the push with `ref`, signed as GitHub signs it; returns the delivery id and the answer. */
async function postPush(ref: string) {
  const id = randomUUID();
  const body = JSON.stringify({ ...push, ref });
  const response = await postHook(
    worker.url,
    hookPath,
    body,
    await githubHeaders(HOOK_SECRET, body, 'push', id),
  );
  return { id, status: response.status, answer: (await response.json()) as { accepted: boolean } };
}

before(async () => {
  plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  namespace = await prepareNamespace(kube, 'zl-hooks');
  worker = await startWorker();
  const examples = await githubExamples('push');
  const example = examples.find((e) => typeof e.ref === 'string' && typeof e.after === 'string');
  assert.ok(example, 'a push example with a ref');
  push = example;
  await kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'repo-hook', namespace },
    stringData: { token: HOOK_SECRET },
  });
  for (const [name, repo] of Object.entries(SITES))
    await kube.create({ ...WEBSITE, metadata: { name, namespace, labels: { repo } }, spec: { html: name } });
  const manifest = reconcilerManifest(WEBSITE_RECONCILER, namespace, worker.url.origin);
  reconciler = manifest.metadata.name;
  await kube.apply({
    ...manifest,
    spec: {
      ...manifest.spec,
      triggers: {
        hooks: [
          {
            name: 'git-push',
            type: 'github',
            secretRef: { name: 'repo-hook' },
            events: ['push'],
            wake: { selector: { matchLabels: { repo: 'shop' } } },
            filter: 'body.ref == "refs/heads/main"',
            summary: { maxBytes: 1024, fields: ['ref', 'after'] },
          },
        ],
      },
    },
  });
  await startRelay();
  await waitConverged(kube, namespace, Object.keys(SITES), 60_000);
  hookPath = await eventually('status.hooks[0].path', async () => {
    const obj = await kube.get('zeroloop.dev/v1alpha1', 'Reconciler', undefined, reconciler);
    const hooks = (obj?.status as { hooks?: { name: string; path?: string }[] } | undefined)?.hooks;
    return hooks?.find((h) => h.name === 'git-push')?.path;
  });
});

after(async () => {
  for (const relay of relays) if (relay.child.exitCode === null) await relay.kill('SIGKILL');
  await worker.close();
  await kube.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, reconciler);
  await kube.delete('v1', 'Namespace', undefined, namespace);
});

test('status.hooks names the path derived from the hook secret, on the cluster of the relay key', () => {
  assert.match(hookPath, /^\/hooks\/default\/[0-9a-f]{64}$/);
});

test('a push to the watched branch wakes exactly the selected primaries, with the external trigger', async () => {
  const { id, status, answer } = await postPush('refs/heads/main');
  assert.equal(status, 202);
  assert.equal(answer.accepted, true);
  await eventually('both shop Websites reconciled for the delivery', () =>
    Promise.resolve(lines(MSG_RECONCILED, id).length >= 2 ? true : undefined),
  );
  // Anything else it would wake has had time to run.
  await sleep(2000);
  const woken = lines(MSG_RECONCILED, id).map((l) => String(l.key));
  assert.deepEqual(woken.sort(), [`${namespace}/site-a`, `${namespace}/site-b`]);
  assert.ok(lines(MSG_RECONCILED, id).every((l) => l.trigger === 'external' && l.hook === 'git-push'));
  await eventually('the delivery acknowledged', async () =>
    (await hookStatus(worker.url, WORKER_KEY)).pending === 0 ? true : undefined,
  );
});

test('a push to another branch wakes none', async () => {
  const before = lines(MSG_RECONCILED).length;
  const { id, status, answer } = await postPush('refs/heads/feature');
  assert.equal(status, 202);
  assert.equal(answer.accepted, false, 'the filter turned it away at the worker');
  await sleep(2000);
  assert.deepEqual(lines(MSG_HOOK_DELIVERY, id), []);
  assert.deepEqual(lines(MSG_RECONCILED, id), []);
  assert.equal(lines(MSG_RECONCILED).length, before, 'no reconcile at all');
});

test('zeroloop hook prints the URL, and --send posts a delivery signed as GitHub signs it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zl-hook-cli-'));
  const payload = join(dir, 'push.json');
  await writeFile(payload, JSON.stringify({ ...push, ref: 'refs/heads/main' }));
  const run = async (...argv: string[]) => {
    const out = { code: 0, stdout: '', stderr: '' };
    out.code = await zeroloop(['hook', reconciler, 'git-push', ...argv], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: plane.kubeconfigPath },
      stdout: (t) => (out.stdout += t),
      stderr: (t) => (out.stderr += t),
    });
    return out;
  };
  const printed = await run();
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stdout, `${worker.url.origin}${hookPath}\n`);
  const sent = await run('--send', '--payload', payload);
  assert.equal(sent.code, 0, sent.stderr);
  const id = /\(delivery ([0-9a-f-]+)\): 202 /.exec(sent.stdout)?.[1];
  assert.ok(id, sent.stdout);
  assert.match(sent.stdout, /"accepted":true/);
  await eventually('both shop Websites reconciled for the CLI delivery', () =>
    Promise.resolve(lines(MSG_RECONCILED, id).length >= 2 ? true : undefined),
  );
  const missing = await run('--send', '--payload', join(dir, 'absent.json'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /reading --payload/);
  const unknown = await run('--event', 'push', '--url', 'http://127.0.0.1:1', '--send', '--payload', payload);
  assert.equal(unknown.code, 1, 'a worker that is not there');
  assert.match(unknown.stderr, /POST http:\/\/127\.0\.0\.1:1\/hooks\/.* failed: .*is the worker up/);
});

test('a Role naming only the hook Secret is enough for the relay to list and watch it, and grants no other', async () => {
  const rbac = 'rbac.authorization.k8s.io/v1';
  await kube.create({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'hook-reader', namespace },
  });
  await kube.create({
    apiVersion: rbac,
    kind: 'Role',
    metadata: { name: 'hook-reader', namespace },
    rules: [
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['repo-hook'],
        verbs: ['get', 'list', 'watch'],
      },
    ],
  });
  await kube.create({
    apiVersion: rbac,
    kind: 'RoleBinding',
    metadata: { name: 'hook-reader', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hook-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'hook-reader', namespace }],
  });
  const answer = (await kube.client.request(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/hook-reader/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    },
  )) as { status: { token: string } };
  const client = relayClient(plane.restConfig, answer.status.token);
  const discovery = new Discovery(client);
  const scope = { apiVersion: 'v1', kind: 'Secret', namespace };
  try {
    // The hooks' own list-watch of one Secret, by name (relay/hooks/hooks.ts).
    const one = new ApiListerWatcher({
      client,
      discovery,
      scope: { ...scope, fieldSelector: 'metadata.name=repo-hook' },
    });
    const listed = await eventually('the grant in effect', () =>
      one.list(AbortSignal.timeout(5000)).then(
        (l) => l,
        () => undefined,
      ),
    );
    assert.deepEqual(
      listed.items.map((o) => o.metadata.name),
      ['repo-hook'],
    );
    const watching = new AbortController();
    const events: string[] = [];
    const watched = one.watch('0', watching.signal, (e) => {
      if (e.type !== 'BOOKMARK') events.push(`${e.type} ${e.object.metadata.name}`);
      watching.abort();
    });
    await eventually('the watch sends the Secret', () =>
      Promise.resolve(events.length > 0 ? true : undefined),
    );
    await watched.catch(() => undefined);
    assert.deepEqual(events, ['ADDED repo-hook']);
    // Every Secret, or another by name: refused.
    await assert.rejects(
      new ApiListerWatcher({ client, discovery, scope }).list(AbortSignal.timeout(5000)),
      /403|forbidden/i,
    );
    await assert.rejects(
      client.request('GET', `/api/v1/namespaces/${namespace}/secrets/worker-signing`),
      (error: unknown) => error instanceof KubeApiError && error.status === 403,
    );
  } finally {
    await client.close();
  }
});

test('a relay SIGKILLed with deliveries accepted and unacknowledged gets each one after it restarts, once', async () => {
  const COUNT = 5;
  const first = relays.at(-1);
  assert.ok(first);
  const exit = await first.kill('SIGKILL');
  assert.equal(exit.signal, 'SIGKILL');
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const { id, answer } = await postPush('refs/heads/main');
    assert.equal(answer.accepted, true);
    ids.push(id);
  }
  assert.equal((await hookStatus(worker.url, WORKER_KEY)).pending, COUNT, 'held by the worker meanwhile');
  const second = await startRelay();
  await eventually('every delivery dispatched and acknowledged', async () =>
    (await hookStatus(worker.url, WORKER_KEY)).pending === 0 ? true : undefined,
  );
  for (const id of ids) {
    const dispatched = second.lines.filter((l) => l.msg === MSG_HOOK_DELIVERY && l.delivery === id);
    assert.equal(dispatched.length, 1, `delivery ${id} dispatched once`);
    assert.equal(dispatched[0]?.woken, 2);
  }
  // Coalesced into as few reconciles as the queue allows, each of them told about a delivery.
  const external = second.lines.filter((l) => l.msg === MSG_RECONCILED && l.trigger === 'external');
  assert.deepEqual([...new Set(external.map((l) => String(l.key)))].sort(), [
    `${namespace}/site-a`,
    `${namespace}/site-b`,
  ]);
  assert.ok(external.every((l) => ids.includes(String(l.delivery))));
});

test('only the leader connects, and a failover between acceptance and delivery loses nothing', async () => {
  // The single relay of the tests above steps aside; two replicas elect a leader.
  for (const relay of relays)
    if (relay.child.exitCode === null && relay.child.signalCode === null) await relay.kill('SIGTERM');
  const replica = async (pod: string) => {
    const relay = await startRelayProcess({
      kubeconfigPath: plane.kubeconfigPath,
      selector: `zeroloop.dev/test=${namespace}`,
      env: { LEADER_ELECTION: 'true', POD_NAME: pod, POD_NAMESPACE: namespace },
    });
    relays.push(relay);
    return relay;
  };
  const leading = (relay: RelayProcess) => relay.lines.some((l) => l.msg === MSG_LEADERSHIP_ACQUIRED);
  const connected = (relay: RelayProcess) => relay.lines.some((l) => l.msg === MSG_HOOK_CONNECTION_OPEN);
  const a = await replica('hooks-a');
  await eventually('a leads and connects', () =>
    Promise.resolve(leading(a) && connected(a) ? true : undefined),
  );
  const b = await replica('hooks-b');
  await sleep(3000);
  assert.equal(connected(b), false, 'the follower opened no connection');
  assert.equal((await hookStatus(worker.url, WORKER_KEY)).connections, 1);
  await a.kill('SIGKILL');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { id, answer } = await postPush('refs/heads/main');
    assert.equal(answer.accepted, true);
    ids.push(id);
  }
  await eventually(
    'the new leader dispatched and acknowledged every delivery',
    async () => ((await hookStatus(worker.url, WORKER_KEY)).pending === 0 ? true : undefined),
    60_000,
  );
  assert.ok(leading(b) && connected(b));
  for (const id of ids)
    assert.equal(b.lines.filter((l) => l.msg === MSG_HOOK_DELIVERY && l.delivery === id).length, 1, id);
});
