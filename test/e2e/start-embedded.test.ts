// e2e: `npm start` with no kubeconfig: its own cluster with KWOK nodes, the samples become Ready by themselves.
//
// What a new user sees: Website hello reaches 2/2 Ready and Database orders 3/3 from real Pods, with no
// action; a Website applied in another namespace is reconciled too (the demo watches every namespace of
// its own cluster); Ctrl-C stops everything, control plane included.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { controlPlaneAt } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { cmdline, descendants, spawnNpmStart, startTime } from '../support/processes.ts';

const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;
const DATABASE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Database' } as const;
const DEMO = 'zeroloop-demo';

interface Status {
  readyReplicas?: number;
  readyMembers?: number;
  conditions?: { type: string; status: string }[];
}
const isReady = (status: Status | undefined): boolean =>
  status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

test('npm start on its own cluster should bring the samples to Ready from real Pods, in every namespace', async (t) => {
  const logFile = join(tmpdir(), `zl-start-embedded-${String(process.pid)}.log`);
  t.after(() =>
    Promise.all([
      rm(logFile, { force: true }),
      rm(logFile.replace(/\.log$/, '.worker.log'), { force: true }),
    ]),
  );
  const env = { ...process.env };
  delete env.KUBECONFIG;
  const start = spawnNpmStart(['--log-file', logFile], env);
  t.after(() => start.cleanup());
  // The binaries are cached by the global setup's plane; this is the start of a second plane and the worker.
  const kubeconfig = (
    await start.printed('the kubeconfig line', /^ {2}export KUBECONFIG=(\S+)$/m, 180_000)
  )[1];
  assert.ok(kubeconfig !== undefined);
  const stdout = start.stdout();
  assert.match(stdout, /kube-scheduler, kwok with 3 fake nodes/);
  assert.match(stdout, /with nodes kwok-node-0, kwok-node-1, kwok-node-2 in \d+ ms/);
  assert.match(stdout, /\(watching every namespace\)/);
  const kube = new TestKube((await controlPlaneAt(kubeconfig)).restConfig);

  const site = await eventually(
    'Website hello Ready with 2/2',
    async () => {
      const status = (await kube.get(WEBSITE.apiVersion, WEBSITE.kind, DEMO, 'hello'))?.status as
        Status | undefined;
      return isReady(status) && status?.readyReplicas === 2 ? status : undefined;
    },
    90_000,
  );
  assert.equal(site.readyReplicas, 2);
  await eventually(
    'Database orders Ready with 3/3 members',
    async () => {
      const status = (await kube.get(DATABASE.apiVersion, DATABASE.kind, DEMO, 'orders'))?.status as
        Status | undefined;
      return isReady(status) && status?.readyMembers === 3 ? true : undefined;
    },
    120_000,
  );

  // Another namespace: reconciled as well, since this is the demo's own cluster.
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
  await kube.create({
    ...WEBSITE,
    metadata: { name: 'other', namespace: 'elsewhere' },
    spec: { replicas: 1, html: '<p>other</p>' },
  });
  await eventually(
    'Website elsewhere/other Ready with 1/1',
    async () => {
      const status = (await kube.get(WEBSITE.apiVersion, WEBSITE.kind, 'elsewhere', 'other'))?.status as
        Status | undefined;
      return isReady(status) && status?.readyReplicas === 1 ? true : undefined;
    },
    60_000,
  );

  const running = descendants(start.pid);
  start.track(running);
  assert.ok(
    [...running.keys()].some((p) => cmdline(p).includes('kwok')),
    'kwok runs under npm start',
  );
  const exit = await start.interrupt();
  assert.deepEqual(exit, { code: 0, signal: null }, start.stderr());
  const left = [...running]
    .filter(([p, started]) => startTime(p) === started)
    .map(([p]) => `${String(p)} ${cmdline(p)}`);
  assert.deepEqual(left, [], 'no process npm start started is left (control plane included)');
});
