// e2e: `npm start` against the shared control plane (via KUBECONFIG): reconcile lines, working URLs, clean Ctrl-C.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { spawnNpmStart } from '../support/npm-start.ts';

const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;

/** `pid`'s start time (field 22 of /proc/pid/stat), so a reused pid is not mistaken for a survivor. */
function startTime(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ')[19];
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(exited)';
  }
}

/** Every live descendant of `root`, with its start time. */
function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!out.has(pid) && (ppid === root || out.has(ppid))) {
        const started = startTime(pid);
        if (started !== undefined) out.set(pid, started);
        grew = true;
      }
    }
  }
  return out;
}

test('npm start should show reconciles of the samples, serve its URLs, and stop cleanly on SIGINT', async (t) => {
  const plane = await sharedControlPlane();
  const kube = new TestKube(plane.restConfig);
  const namespace = `zl-start-${randomBytes(3).toString('hex')}`;
  const logFile = join(tmpdir(), `${namespace}.log`);
  const workerLog = join(tmpdir(), `${namespace}.worker.log`);
  t.after(() => Promise.all([rm(logFile, { force: true }), rm(workerLog, { force: true })]));
  // npm, then node local/start.ts under it: the same command a user types.
  const run = spawnNpmStart({ namespace, logFile, kubeconfig: plane.kubeconfigPath });
  const { child, pid, exited, signalGroup } = run;
  let seen = new Map<number, string>();
  t.after(async () => {
    if (child.exitCode !== null) return;
    // A failed test: Ctrl-C, then force whatever is left (the pipes would keep this process alive).
    signalGroup('SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
    for (const p of [pid, ...seen.keys()]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    child.stdout.destroy();
    child.stderr.destroy();
  });
  const printed = (what: string, pattern: RegExp): Promise<RegExpMatchArray> => run.printed(what, pattern);

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
    run.stdout.split('\n').filter((l) => l.includes(`Website ${namespace}/hello `)).length;
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
  assert.match(run.stdout, new RegExp(`kubectl -n ${namespace} patch website hello`));

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

  const running = descendants(pid);
  seen = running;
  assert.ok(
    running.size >= 3,
    `node local/start.ts, wrangler and workerd should run: ${String(running.size)}`,
  );
  signalGroup('SIGINT');
  const exit = await Promise.race([
    exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => {
        reject(new Error(`npm start did not exit within 60 s of SIGINT:\n${run.stdout}\n${run.stderr}`));
      }, 60_000).unref(),
    ),
  ]);
  assert.deepEqual(exit, { code: 0, signal: null }, run.stderr);
  assert.match(run.stdout, /zeroloop: stopped\.$/m);
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
  assert.match(readFileSync(logFile, 'utf8'), /"msg":"reconciled"/);
  assert.match(readFileSync(workerLog, 'utf8'), /POST \/v1\/reconcilers\/website\/reconcile 200/);
});
