// Proves the control plane leaves nothing behind: `npm run cluster` on SIGINT/SIGTERM, and a failing test file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pidsMentioning } from '../../cluster/reaper.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = await mkdtemp(join(tmpdir(), 'zeroloop-lifecycle-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** The environment of a subprocess that must start its own control plane (not the run's shared one). */
function ownPlaneEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.ZEROLOOP_KUBECONFIG;
  // Set by node:test in test-file processes; a nested `node --test` would otherwise act as a child runner.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function exitOf(child: ChildProcessByStdio<null, Readable, null>): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
}

/** Asserts that the control plane in `dir` is gone: no process mentions it and the dir is deleted. */
async function assertGone(dir: string): Promise<void> {
  // Exit of the parent happens after its children are reaped, so no wait should be needed; allow 2 s anyway.
  for (let i = 0; i < 20 && pidsMentioning(dir).length > 0; i++) await sleep(100);
  assert.deepEqual(pidsMentioning(dir), [], `processes of ${dir} are still running`);
  assert.equal(existsSync(dir), false, `${dir} was not removed`);
}

describe('control plane lifecycle', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`npm run cluster should print the kubeconfig and clean up on ${signal}`, async () => {
      const cli = spawn(process.execPath, [join(root, 'cluster', 'cli.ts')], {
        env: ownPlaneEnv(),
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const exited = exitOf(cli);
      let kubeconfig: string | undefined;
      for await (const line of createInterface({ input: cli.stdout })) {
        const match = /^export KUBECONFIG=(\/\S+\/kubeconfig)$/.exec(line);
        if (match?.[1] !== undefined) {
          kubeconfig = match[1];
          break;
        }
      }
      assert.ok(kubeconfig, 'the CLI printed `export KUBECONFIG=/…/kubeconfig`');
      const dir = dirname(kubeconfig);
      assert.match(await readFile(kubeconfig, 'utf8'), /server: "https:\/\/127\.0\.0\.1:\d+"/);
      assert.equal(
        pidsMentioning(dir).length,
        5,
        'etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok run',
      );

      cli.kill(signal);

      assert.equal(await exited, code);
      await assertGone(dir);
    });
  }

  test('a failing test file should leave no process or temp dir behind', async () => {
    const out = join(scratch, 'failing-kubeconfig-path');
    const run = spawn(
      process.execPath,
      ['--test', join(root, 'test', 'fixtures', 'cluster', 'failing-test.fixture.ts')],
      { env: { ...ownPlaneEnv(), ZEROLOOP_FIXTURE_OUT: out }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    run.stdout.resume();
    assert.equal(await exitOf(run), 1, 'the fixture test fails');
    const dir = dirname(await readFile(out, 'utf8'));
    await assertGone(dir);
  });
});
