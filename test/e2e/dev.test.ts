// e2e: `zeroloop dev website` on the shared control plane: a saved one-line change is rebuilt, reloaded and reconciled, and the new answer reaches the Website's status.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sharedControlPlane } from '../support/cluster.ts';
import { startDevSession, until } from '../support/dev-session.ts';

test('zeroloop dev: save → rebuild → worker reload → the Website reconciled with the new build', async () => {
  const plane = await sharedControlPlane();
  const namespace = `zl-dev-${randomBytes(3).toString('hex')}`;
  const dev = await startDevSession({
    args: ['--kubeconfig', plane.kubeconfigPath, '--namespace', namespace],
    env: process.env,
    namespace,
  });
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
  } finally {
    await dev.stop();
  }
});
