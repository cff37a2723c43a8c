// e2e: `zeroloop dev website` on the shared control plane: a saved one-line change is rebuilt, reloaded and reconciled, and the new answer reaches the Website's status.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedControlPlane } from '../support/cluster.ts';
import { startDevSession, until } from '../support/dev-session.ts';
import { MSG_STOP_DONE } from '../../local/session.ts';

test('zeroloop dev: save → rebuild → worker reload → the Website reconciled with the new build', async () => {
  const plane = await sharedControlPlane();
  const namespace = `zl-dev-${randomBytes(3).toString('hex')}`;
  const logDir = await mkdtemp(join(tmpdir(), 'zl-dev-log-'));
  const logFile = join(logDir, 'dev.log');
  const dev = await startDevSession({
    args: ['--kubeconfig', plane.kubeconfigPath, '--namespace', namespace, '--log-file', logFile],
    env: process.env,
    namespace,
  });
  let stopped = false;
  try {
    // Only the watched reconciler runs: its samples, not the database's.
    const applied = await dev.line(/^demo: samples applied: /);
    if (!/Website .*\/hello/.test(applied.text) || applied.text.includes('Database'))
      throw new Error(`expected only Websites: ${applied.text}`);
    await until(
      'the first status',
      async () => ((await dev.readyReason('hello')) === 'RolloutInProgress' ? true : undefined),
      60_000,
    );

    const from = dev.printed;
    await dev.editWebsite('RolloutInProgressEdited');
    await dev.line(/^dev: website changed, rebuilding…$/, from);
    await dev.line(/^dev: website reloaded in \d+ ms; reconciling its 2 primaries again$/, from);
    await dev.line(/^dev: website: save → reconciled with the new build in \d+ ms/, from);
    await until(
      'the new reason',
      async () => ((await dev.readyReason('hello')) === 'RolloutInProgressEdited' ? true : undefined),
      30_000,
    );

    // A build error is printed; the running build stays.
    const broken = dev.printed;
    await dev.editWebsite("RolloutInProgress' +");
    await dev.line(/^dev: website did not build: (TypecheckFailed|BundleFailed): /, broken);

    // Ctrl-C: once the demo namespace is deleted (that waits on the cluster), the rest stops within 3 s.
    // The bound is asserted with 2 s of margin for a loaded machine; bench/shutdown.ts measures it precisely.
    const exitMs = await dev.stop();
    stopped = true;
    const stops = (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter((l) => l.includes(`"${MSG_STOP_DONE}"`))
      .map((l) => JSON.parse(l) as { msg: string; what: string; ms: number })
      .filter((l) => l.msg === MSG_STOP_DONE);
    const demo = stops.find((s) => s.what === 'the demo resources')?.ms ?? 0;
    assert.ok(
      exitMs - demo <= 5_000,
      `Ctrl-C took ${String(Math.round(exitMs))} ms, ${String(demo)} ms of it deleting the demo namespace: ${JSON.stringify(stops)}`,
    );
  } finally {
    if (!stopped) await dev.stop();
    await rm(logDir, { recursive: true, force: true });
  }
});
