// E2e: out of the cluster, kubeconfigs by kubectl's rules on the real control plane: a real exec credential plugin, merged files, contexts, proxies, failures.
//
// The plugin is a script this test writes (relay/testing/exec-plugin.ts): it prints an ExecCredential
// holding a TokenRequest token of the relay's ServiceAccount (RBAC from `zeroloop manifests`), or the
// admin token for `npm start`, and counts its runs in a file. KUBECONFIG is two files: the first's
// current-context points at a dead address, the second's context `plane` at the real apiserver.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { KubeClient } from '../../relay/kube/client.ts';
import { loadKubeconfigList } from '../../relay/kube/rest-config.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { execPluginRuns, writeExecPlugin } from '../../relay/testing/exec-plugin.ts';
import type { RunningWorker } from '../../worker/testing/harness.ts';
import { startWorker } from '../../worker/testing/harness.ts';
import type { SharedControlPlane } from '../support/cluster.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import {
  generatedManifests,
  installDeploy,
  RELAY_NAMESPACE,
  RELAY_SERVICE_ACCOUNT,
  relayToken,
} from '../support/install.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { spawnNpmStart } from '../support/processes.ts';
import type { RelayProcess } from '../support/relay-process.ts';
import { startRelayProcess } from '../support/relay-process.ts';
import { prepareNamespace, WEBSITE } from '../support/relay-env.ts';
import { createWebsites, waitConverged } from '../support/websites.ts';
import { MSG_APISERVER, MSG_EXEC_PLUGIN_RAN, MSG_NO_REST_CONFIG } from '../../relay/process.ts';
import { MSG_RELAY_STARTED } from '../../relay/relay.ts';

const MAIN = fileURLToPath(new URL('../../relay/main.ts', import.meta.url));
/** Nothing listens there: the first file's current-context leads nowhere. */
const DEAD_SERVER = 'https://127.0.0.1:9';

let plane: SharedControlPlane;
let kube: TestKube;
let namespace: string;
let worker: RunningWorker;
let dir: string;
let plugin: string;
let deadKubeconfig: string;
let relayTokenFile: string;
let adminTokenFile: string;
const manifests: KObject[] = [];

interface PlaneKubeconfig {
  /** Where the plugin counts its runs. */
  runs: string;
  /** The token file the plugin prints. */
  tokenFile: string;
  /** The plugin's exec.env (EXEC_EXPIRES_IN_S, EXEC_FAIL, …). */
  env?: Record<string, string>;
  /** Another exec.command (e.g. one that does not exist). */
  command?: string;
  /** The cluster's proxy-url. */
  proxyUrl?: string;
}

/** The second file: context `plane` (also its current-context) → the real apiserver, user `relay-exec` → the plugin. */
async function planeKubeconfig(name: string, options: PlaneKubeconfig): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  const env = Object.entries(options.env ?? {}).map(([k, v]) => ({ name: k, value: v }));
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'plane',
    clusters: [
      {
        name: 'plane',
        cluster: {
          server: plane.server,
          'certificate-authority-data': plane.restConfig.tls.ca?.toString('base64'),
          ...(options.proxyUrl !== undefined ? { 'proxy-url': options.proxyUrl } : {}),
        },
      },
    ],
    users: [
      {
        name: 'relay-exec',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            interactiveMode: 'IfAvailable',
            command: options.command ?? plugin,
            args: [options.runs, options.tokenFile],
            env,
            provideClusterInfo: true,
            installHint: 'This test writes the plugin itself.',
          },
        },
      },
    ],
    contexts: [{ name: 'plane', context: { cluster: 'plane', user: 'relay-exec' } }],
  };
  await writeFile(path, JSON.stringify(doc, null, 2));
  return path;
}

before(async () => {
  plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  await installDeploy(kube);
  namespace = await prepareNamespace(kube, 'zl-kcx');
  worker = await startWorker();
  for (const obj of await generatedManifests([
    'website',
    '--worker-url',
    worker.url.href,
    '--namespace',
    namespace,
    '--name',
    `${namespace}-website`,
    '--label',
    `zeroloop.dev/test=${namespace}`,
  ])) {
    await kube.apply(obj);
    manifests.push(obj);
  }
  dir = await mkdtemp(join(tmpdir(), 'zl-kubeconfig-e2e-'));
  plugin = await writeExecPlugin(dir);
  relayTokenFile = join(dir, 'relay-token');
  await writeFile(relayTokenFile, await relayToken(kube));
  adminTokenFile = join(dir, 'admin-token');
  if (plane.restConfig.auth.type !== 'token') throw new Error('the control plane kubeconfig has no token');
  await writeFile(adminTokenFile, plane.restConfig.auth.token);
  deadKubeconfig = join(dir, 'dead.yaml');
  await writeFile(
    deadKubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'dead',
      clusters: [{ name: 'dead', cluster: { server: DEAD_SERVER, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'dead', user: { token: 'nobody' } }],
      contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'dead' } }],
    }),
  );
});

after(async () => {
  await worker.close();
  for (const obj of manifests)
    await kube.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
  await kube.delete('v1', 'Namespace', undefined, namespace);
  await rm(dir, { recursive: true, force: true });
});

/** The relay's log line `msg`, once it appears. */
function logLine(relay: RelayProcess, msg: string) {
  return eventually(`the relay's "${msg}" line`, () =>
    Promise.resolve(relay.lines.find((l) => l.msg === msg)),
  );
}

test('the relay on a merged KUBECONFIG with KUBECONTEXT converges a Website, the exec plugin having run once', async () => {
  const runs = join(dir, 'runs-relay');
  const second = await planeKubeconfig('plane-relay', { runs, tokenFile: relayTokenFile });
  const relay = await startRelayProcess({
    kubeconfigPath: `${deadKubeconfig}:${second}`,
    selector: `zeroloop.dev/test=${namespace}`,
    env: { KUBECONTEXT: 'plane' },
  });
  try {
    const names = ['first', 'second', 'third'];
    await createWebsites(kube, namespace, names);
    await waitConverged(kube, namespace, names, 60_000);
    const reconciles = await relay.metric('zeroloop_reconciles_total');
    assert.ok(reconciles >= names.length, `reconciles: ${reconciles}`);
    const seen = await execPluginRuns(runs);
    assert.equal(seen.length, 1, 'one run for the whole process: the credential has no expiry');
    const info = JSON.parse(seen[0]?.info ?? '{}') as {
      spec: { interactive: boolean; cluster: { server: string } };
    };
    assert.equal(info.spec.interactive, false);
    assert.equal(info.spec.cluster.server, plane.server);
    const apiserver = await logLine(relay, MSG_APISERVER);
    assert.deepEqual(
      { server: apiserver.server, auth: apiserver.auth, context: apiserver.context },
      { server: plane.server, auth: 'exec', context: 'plane' },
    );
    // The Websites' children were written by the relay's ServiceAccount, the plugin's token.
    const deployment = await kube.get('apps/v1', 'Deployment', namespace, 'first');
    assert.ok(deployment);
    process.stderr.write(
      `[kubeconfig-exec] plugin runs: 1 for ${reconciles} reconciles of ${names.length} Websites\n`,
    );
  } finally {
    await relay.kill('SIGTERM');
  }
});

test('without KUBECONTEXT the merged KUBECONFIG uses the first file current-context: the dead address', async () => {
  const second = await planeKubeconfig('plane-nocontext', {
    runs: join(dir, 'runs-none'),
    tokenFile: relayTokenFile,
  });
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KUBECONFIG: `${deadKubeconfig}:${second}`,
      KUBECONTEXT: '',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RECONCILER_SELECTOR: 'zeroloop.dev/test=none',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) =>
    lines.push(JSON.parse(line) as Record<string, unknown>),
  );
  try {
    const apiserver = await eventually('the apiserver line', () =>
      Promise.resolve(lines.find((l) => l.msg === MSG_APISERVER)),
    );
    assert.equal(apiserver.server, DEAD_SERVER);
    assert.equal(apiserver.context, 'dead');
    assert.deepEqual(await execPluginRuns(join(dir, 'runs-none')), [], 'the dead context has no plugin');
  } finally {
    child.kill('SIGKILL');
  }
});

test('an exec credential with a short expirationTimestamp is fetched again after it expires, and not more', async () => {
  const runs = join(dir, 'runs-expiring');
  const lifetimeS = 5;
  const second = await planeKubeconfig('plane-expiring', {
    runs,
    tokenFile: relayTokenFile,
    env: { EXEC_EXPIRES_IN_S: String(lifetimeS) },
  });
  const relay = await startRelayProcess({
    kubeconfigPath: `${deadKubeconfig}:${second}`,
    selector: `zeroloop.dev/test=${namespace}`,
    env: { KUBECONTEXT: 'plane' },
  });
  const started = Date.now();
  try {
    await createWebsites(kube, namespace, ['early']);
    await waitConverged(kube, namespace, ['early'], 60_000);
    // Past the first credential's expiry, new work needs a new one.
    await sleep(Math.max(0, started + (lifetimeS + 1) * 1000 - Date.now()));
    await createWebsites(kube, namespace, ['late']);
    await waitConverged(kube, namespace, ['late'], 60_000);
    const elapsed = Date.now() - started;
    const seen = (await execPluginRuns(runs)).map((r) => r.at);
    assert.ok(seen.length >= 2, `the plugin ran again after expiry: ${seen.length} runs`);
    for (let i = 1; i < seen.length; i++) {
      const gap = (seen[i] ?? 0) - (seen[i - 1] ?? 0);
      assert.ok(
        gap >= lifetimeS * 1000 - 100,
        `run ${i + 1} came ${gap} ms after the previous one, before its expiry`,
      );
    }
    assert.ok(
      seen.length <= 2 + Math.floor(elapsed / (lifetimeS * 1000)),
      `${seen.length} runs in ${elapsed} ms`,
    );
    const logged = relay.lines.filter((l) => l.msg === MSG_EXEC_PLUGIN_RAN).length;
    assert.equal(logged, seen.length, 'each run is logged');
    process.stderr.write(
      `[kubeconfig-exec] plugin runs: ${seen.length} in ${elapsed} ms with a ${lifetimeS} s expirationTimestamp\n`,
    );
  } finally {
    await relay.kill('SIGTERM');
  }
});

test('a credential the apiserver revokes (401) makes the relay run the plugin again and retry, without failing a reconcile', async () => {
  // A token bound to a Secret stops authenticating once the Secret is deleted: a real revocation.
  const secret = await kube.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${namespace}-bound`, namespace: RELAY_NAMESPACE },
  });
  const answer = (await kube.client.request(
    'POST',
    `/api/v1/namespaces/${RELAY_NAMESPACE}/serviceaccounts/${RELAY_SERVICE_ACCOUNT}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          expirationSeconds: 3600,
          boundObjectRef: {
            apiVersion: 'v1',
            kind: 'Secret',
            name: secret.metadata.name,
            uid: secret.metadata.uid,
          },
        },
      },
    },
  )) as { status: { token: string } };
  const tokenFile = join(dir, 'revocable-token');
  await writeFile(tokenFile, answer.status.token);
  const runs = join(dir, 'runs-revoked');
  const second = await planeKubeconfig('plane-revoked', { runs, tokenFile });
  const relay = await startRelayProcess({
    kubeconfigPath: `${deadKubeconfig}:${second}`,
    selector: `zeroloop.dev/test=${namespace}`,
    env: { KUBECONTEXT: 'plane' },
  });
  try {
    await createWebsites(kube, namespace, ['before-revoke']);
    await waitConverged(kube, namespace, ['before-revoke'], 60_000);
    assert.equal((await execPluginRuns(runs)).length, 1);
    // The plugin's next run prints a valid token; the one the relay holds is revoked.
    await writeFile(tokenFile, await relayToken(kube));
    await kube.delete('v1', 'Secret', RELAY_NAMESPACE, secret.metadata.name);
    const revoked = new KubeClient({
      ...plane.restConfig,
      auth: { type: 'token', token: answer.status.token },
    });
    await eventually('the bound token to be refused', () =>
      revoked.request('GET', '/version').then(
        () => undefined,
        (error: unknown) => (String(error).includes('401') ? true : undefined),
      ),
    );
    await revoked.close();
    await createWebsites(kube, namespace, ['after-revoke']);
    await waitConverged(kube, namespace, ['after-revoke'], 60_000);
    assert.equal((await execPluginRuns(runs)).length, 2, 'one more run, on the 401');
    assert.equal(
      await relay.metric('zeroloop_reconciles_total', { result: 'success' }),
      await relay.metric('zeroloop_reconciles_total'),
      'every reconcile succeeded',
    );
    assert.ok(
      (await relay.metric('zeroloop_apiserver_errors_total', { code: '4xx' })) >= 1,
      'the 401 was seen',
    );
  } finally {
    await relay.kill('SIGTERM');
  }
});

test('npm start on a merged KUBECONFIG with --context runs the demo through the exec plugin, one run', async (t) => {
  const runs = join(dir, 'runs-start');
  const second = await planeKubeconfig('plane-start', { runs, tokenFile: adminTokenFile });
  const demo = `zl-kcx-start-${String(process.pid)}`;
  const logFile = join(dir, 'start.log');
  const start = spawnNpmStart(['--context', 'plane', '--namespace', demo, '--log-file', logFile], {
    ...process.env,
    KUBECONFIG: `${deadKubeconfig}:${second}`,
  });
  t.after(() => start.cleanup());
  await start.printed(
    'the cluster line',
    new RegExp(
      `cluster: using ${plane.server.replace(/[.]/g, '\\.')} from .* \\(context plane\\), credentials from exec plugin`,
    ),
  );
  await start.printed(
    'a reconcile line for Website hello',
    new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  Website ${demo}/hello +trigger=\\w+ +[\\d.]+ ms  ok: applied \\d+`,
      'm',
    ),
  );
  // The next steps follow the relay's start (discovery, the live page), so a reconcile line may come first.
  await start.printed(
    'the next steps, with the context',
    new RegExp(`kubectl --context plane -n ${demo} get`),
  );
  assert.ok(await kube.get(WEBSITE.apiVersion, WEBSITE.kind, demo, 'hello'));
  assert.equal((await execPluginRuns(runs)).length, 1, 'one run serves the demo setup and the relay');
  const exit = await start.interrupt();
  assert.deepEqual(exit, { code: 0, signal: null }, start.stderr());
});

test('a failing exec plugin stops npm start with its stderr, before anything starts', async (t) => {
  const runs = join(dir, 'runs-fail');
  const second = await planeKubeconfig('plane-fail', {
    runs,
    tokenFile: adminTokenFile,
    env: { EXEC_FAIL: 'error: the SSO session has expired; run aws sso login' },
  });
  const start = spawnNpmStart(['--context', 'plane'], {
    ...process.env,
    KUBECONFIG: `${deadKubeconfig}:${second}`,
  });
  t.after(() => start.cleanup());
  const exit = await start.exited;
  assert.equal(exit.code, 1);
  const output = start.stdout() + start.stderr();
  assert.match(
    output,
    /exec plugin .*exec-plugin\.mjs \(user relay-exec in .*plane-fail\.yaml\): exited with status 1; fix what it reports .*its stderr: error: the SSO session has expired; run aws sso login/,
  );
  assert.doesNotMatch(output, /reconcilers: building|worker: starting|cluster: starting/);
  assert.equal((await execPluginRuns(runs)).length, 1);
});

test('a missing exec plugin stops the relay with its name and PATH, before it starts', async () => {
  const second = await planeKubeconfig('plane-missing', {
    runs: join(dir, 'runs-missing'),
    tokenFile: relayTokenFile,
    command: 'zeroloop-no-such-credential-plugin',
  });
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KUBECONFIG: `${deadKubeconfig}:${second}`,
      KUBECONTEXT: 'plane',
      METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 1);
  const error = out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { msg: string; error?: { message: string } })
    .find((l) => l.msg === MSG_NO_REST_CONFIG);
  assert.match(
    error?.error?.message ?? out,
    /exec plugin zeroloop-no-such-credential-plugin .*command not found: install zeroloop-no-such-credential-plugin and make sure it is on PATH.*This test writes the plugin itself\./,
  );
  assert.ok(!out.includes(`"msg":"${MSG_RELAY_STARTED}"`), 'the relay never started');
});

test('a kubeconfig proxy-url tunnels the TLS connection to the apiserver through the proxy (CONNECT)', async () => {
  const tunnels: string[] = [];
  const proxy = createServer();
  const sockets = new Set<Socket>();
  proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.add(socket).add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const runs = join(dir, 'runs-proxy');
  const second = await planeKubeconfig('plane-proxy', { runs, tokenFile: relayTokenFile, proxyUrl });
  const config = await loadKubeconfigList(`${deadKubeconfig}:${second}`, { context: 'plane', env: {} });
  assert.deepEqual(config.proxy, { url: proxyUrl, from: 'proxy-url' });
  const client = new KubeClient(config);
  try {
    const review = (await client.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    })) as { status: { userInfo: { username: string } } };
    assert.equal(review.status.userInfo.username, 'system:serviceaccount:zeroloop-system:zeroloop-relay');
    assert.deepEqual(tunnels, [new URL(plane.server).host]);
  } finally {
    await client.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  }
});
