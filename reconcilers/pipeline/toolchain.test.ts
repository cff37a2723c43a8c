// Tests of the warm toolchain process: a failing job names its cause and leaves the process serving; stop ends it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { after, test } from 'node:test';
import { runInToolchain, stopToolchain, ToolchainFailed, warmToolchain } from './toolchain.ts';

after(() => stopToolchain());

test('toolchain should fail a job on a missing component with the tool message, then keep serving', async () => {
  const missing = join(tmpdir(), 'zeroloop-no-such-component.wasm');
  await assert.rejects(
    runInToolchain({ op: 'transpile', component: missing, name: 'x', outDir: join(tmpdir(), 'zl-x') }),
    (error) => error instanceof ToolchainFailed && error.output.includes('zeroloop-no-such-component.wasm'),
  );
  await warmToolchain();
});

test('toolchain should stop its process on stopToolchain and start a new one for the next job', async () => {
  await warmToolchain();
  await stopToolchain();
  await warmToolchain();
});
