// Unit tests of child supervision: logs to file, graceful stop, SIGKILL escalation, death with the parent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from './lock.ts';
import { parentDeathSignal, startChild } from './process.ts';

const scratch = await mkdtemp(join(tmpdir(), 'zeroloop-process-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('startChild should send output to the log file', async () => {
  const child = await startChild({
    name: 'echo',
    command: 'sh',
    args: ['-c', 'echo hello; echo oops >&2'],
    logPath: join(scratch, 'echo.log'),
  });
  assert.deepEqual(await child.exited, { code: 0, signal: null });
  assert.equal(child.logTail(), 'hello\noops');
});

test('stop should end a cooperative child with SIGTERM', async () => {
  const child = await startChild({
    name: 'sleep',
    command: 'sleep',
    args: ['30'],
    logPath: join(scratch, 's.log'),
  });
  const exit = await child.stop(5000);
  assert.equal(exit.signal, 'SIGTERM');
});

test('stop should SIGKILL the whole group when SIGTERM is ignored', async () => {
  const child = await startChild({
    name: 'stubborn',
    command: 'sh',
    args: ['-c', 'trap "" TERM; sleep 30 & wait'],
    logPath: join(scratch, 'stubborn.log'),
  });
  await sleep(100); // let the trap be installed
  const started = Date.now();
  const exit = await child.stop(300);
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(Date.now() - started >= 300);
});

test(
  'children should die when their parent is SIGKILLed',
  { skip: !parentDeathSignal && 'no setpriv' },
  async () => {
    // A parent Node process starts a child, prints its pid, then kills itself with SIGKILL (no hooks run).
    const script = `
    import { startChild } from ${JSON.stringify(new URL('process.ts', import.meta.url).href)};
    const child = await startChild({ name: 'orphan', command: 'sleep', args: ['30'], logPath: '/dev/null' });
    process.stdout.write(String(child.pid));
    process.kill(process.pid, 'SIGKILL');`;
    let out = '';
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    } catch (error) {
      out = String((error as { stdout: unknown }).stdout);
    }
    const pid = Number(out);
    assert.ok(pid > 0, `the parent printed a pid (got ${JSON.stringify(out)})`);
    for (let i = 0; i < 50 && processAlive(pid); i++) await sleep(50);
    assert.equal(processAlive(pid), false, 'the child outlived its parent');
  },
);
