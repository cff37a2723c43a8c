// E2e: `node relay/main.ts` as a process: it reports where it serves, serves /healthz and /readyz, and exits cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { CRDS } from '../support/relay-env.ts';
import { MSG_SHUTTING_DOWN } from '../../relay/process.ts';
import { MSG_RELAY_STARTED, MSG_RELAY_STOPPED } from '../../relay/relay.ts';
import { relayStarted } from '../../relay/observe/started.ts';

test('the relay process becomes ready and shuts down gracefully on SIGTERM', async () => {
  const plane = await sharedControlPlane();
  const [reconcilerCrd] = CRDS;
  assert.ok(reconcilerCrd);
  await new TestKube(plane.restConfig).applyFile(reconcilerCrd);
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../relay/main.ts', import.meta.url))], {
    env: {
      ...process.env,
      KUBECONFIG: plane.kubeconfigPath,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      // Matches no Reconciler: this test is about the process, not about reconciling.
      RECONCILER_SELECTOR: 'zeroloop.dev/test=relay-main-none',
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const started = relayStarted(child);
  const lines: Record<string, unknown>[] = [];
  assert.ok(child.stdout, 'stdout is piped');
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = once(child, 'exit');
  try {
    // Where it serves, from its typed record; its log line says the same.
    const { url: base, metricsUrl, pid } = await started;
    assert.equal(pid, child.pid);
    const line = await eventually('the relay started line', () =>
      Promise.resolve(lines.find((l) => l.msg === MSG_RELAY_STARTED)),
    );
    assert.equal(line.metrics, metricsUrl);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    await eventually('readyz 200', async () =>
      (await fetch(`${base}/readyz`)).status === 200 ? true : undefined,
    );
    assert.match(await (await fetch(metricsUrl)).text(), /# TYPE zeroloop_reconciles_total counter/);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.ok(lines.some((l) => l.msg === MSG_SHUTTING_DOWN && l.signal === 'SIGTERM'));
    assert.ok(lines.some((l) => l.msg === MSG_RELAY_STOPPED));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
