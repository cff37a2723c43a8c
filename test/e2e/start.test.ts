// e2e: `npm start` against the shared control plane (via KUBECONFIG): reconcile lines, working URLs, clean Ctrl-C.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { cmdline, descendants, spawnNpmStart, startTime } from '../support/processes.ts';
import { MSG_RECONCILED } from '../../relay/controller/reporter.ts';
import { main as zeroloop } from '../../cli/main.ts';

const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;

test('npm start should show reconciles of the samples, serve its URLs, and stop cleanly on SIGINT', async (t) => {
  const plane = await sharedControlPlane();
  const kube = new TestKube(plane.restConfig);
  const namespace = `zl-start-${randomBytes(3).toString('hex')}`;
  const logFile = join(tmpdir(), `${namespace}.log`);
  const workerLog = join(tmpdir(), `${namespace}.worker.log`);
  t.after(() => Promise.all([rm(logFile, { force: true }), rm(workerLog, { force: true })]));
  // npm, then node local/start.ts under it: the same command a user types.
  const start = spawnNpmStart(['--namespace', namespace, '--log-file', logFile], {
    ...process.env,
    KUBECONFIG: plane.kubeconfigPath,
  });
  t.after(() => start.cleanup());
  const { printed } = start;

  for (const name of ['hello', 'internal']) {
    await printed(
      `a reconcile line for Website ${name}`,
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  Website ${namespace}/${name} +trigger=\\w+ +[\\d.]+ ms  ok: applied \\d+`,
        'm',
      ),
    );
  }
  // A change made while it runs shows up as one more line for that primary.
  const helloLines = (): number =>
    start
      .stdout()
      .split('\n')
      .filter((l) => l.includes(`Website ${namespace}/hello `)).length;
  const before = helloLines();
  await kube.patch(WEBSITE.apiVersion, WEBSITE.kind, namespace, 'hello', { spec: { replicas: 3 } });
  await eventually('a reconcile line for the patched Website', () =>
    Promise.resolve(helloLines() > before ? true : undefined),
  );
  const kubeconfig = (await printed('the kubeconfig line', /^ {2}export KUBECONFIG=(\S+)$/m))[1];
  assert.equal(kubeconfig, plane.kubeconfigPath);
  const metricsUrl = (
    await printed('the metrics URL', /relay metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m)
  )[1];
  const workerUrl = (await printed('the worker URL', /worker: +(http:\/\/127\.0\.0\.1:\d+)$/m))[1];
  const liveUrl = (await printed('the live page URL', /live page: +(http:\/\/127\.0\.0\.1:\d+\/)$/m))[1];
  assert.ok(metricsUrl !== undefined && workerUrl !== undefined && liveUrl !== undefined);
  assert.match(await (await fetch(liveUrl)).text(), /zeroloop · live reconciles/);
  assert.match(start.stdout(), new RegExp(`kubectl -n ${namespace} patch website hello`));
  // The demo's hook: its URL, and the printed command sends a signed delivery that wakes every Website.
  const hookUrl = (await printed('the hook URL', /hook: +(http:\/\/127\.0\.0\.1:\d+\/hooks\/\S+)/m))[1];
  assert.ok(hookUrl?.startsWith(`${workerUrl}/hooks/default/`));
  const send = /npx zeroloop hook (\S+) (\S+) --send/m.exec(start.stdout());
  assert.ok(send?.[1] !== undefined && send[2] !== undefined, 'a ready zeroloop hook line');
  let sent = '';
  const code = await zeroloop(['hook', send[1], send[2], '--send'], {
    cwd: tmpdir(),
    env: { ...process.env, KUBECONFIG: plane.kubeconfigPath },
    stdout: (text) => (sent += text),
    stderr: (text) => (sent += text),
  });
  assert.equal(code, 0, sent);
  assert.match(sent, /: 202 \{"accepted":true/);
  await printed(
    'a reconcile line for the hook delivery',
    new RegExp(`Website ${namespace}/hello +trigger=external`, 'm'),
  );
  // On a cluster it did not start, the demo stays in its namespace, and says so.
  assert.match(start.stdout(), new RegExp(`watching namespace ${namespace} only`));
  assert.match(start.stdout(), new RegExp(`The reconcilers watch only namespace ${namespace} `));
  const reconciler = await kube.get('zeroloop.dev/v1alpha1', 'Reconciler', undefined, `${namespace}-website`);
  assert.deepEqual((reconciler?.spec as { namespaces?: string[] } | undefined)?.namespaces, [namespace]);

  const metrics = await (await fetch(metricsUrl)).text();
  const reconciles = [
    ...metrics.matchAll(/^zeroloop_reconciles_total\{[^}]*result="success"[^}]*\} (\d+)$/gm),
  ].reduce((sum, m) => sum + Number(m[1]), 0);
  assert.ok(reconciles > 0, `reconciles in /metrics: ${metrics}`);
  const health = await fetch(`${workerUrl}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  // The demo really ran: the sample's children exist.
  assert.ok(await kube.get('apps/v1', 'Deployment', namespace, 'hello'));

  const running = descendants(start.pid);
  start.track(running);
  assert.ok(
    running.size >= 3,
    `node local/start.ts, wrangler and workerd should run: ${String(running.size)}`,
  );
  const exit = await start.interrupt();
  assert.deepEqual(exit, { code: 0, signal: null }, start.stderr());
  assert.match(start.stdout(), /zeroloop: stopped in \d+ ms\.$/m);
  const left = [...running]
    .filter(([p, started]) => startTime(p) === started)
    .map(([p]) => `${String(p)} ${cmdline(p)}`);
  assert.deepEqual(left, [], 'no process npm start started is left');
  // On a cluster it did not start, it removes what it applied (except the shared CRDs).
  const ns = await kube.get('v1', 'Namespace', undefined, namespace);
  assert.ok(ns === undefined || ns.metadata.deletionTimestamp !== undefined, 'the demo namespace is deleted');
  assert.equal(
    await kube.get('zeroloop.dev/v1alpha1', 'Reconciler', undefined, `${namespace}-website`),
    undefined,
  );
  assert.ok(existsSync(logFile), 'the JSON log file stays for reading');
  assert.ok(
    readFileSync(logFile, 'utf8').includes(`"msg":"${MSG_RECONCILED}"`),
    'the relay logs into the file',
  );
  assert.match(readFileSync(workerLog, 'utf8'), /POST \/v1\/reconcilers\/website\/reconcile 200/);
});
