// `zeroloop replay` against the BUILT website component: the same answer exits 0, a changed one exits 1 with a readable diff, bad input exits 2.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { expectOk, loadBuilt, readYamlObjects, reconcile, requestFor } from '../testing/component.ts';
import { recordingOf } from '../../relay/record/recorder.ts';
import type { Recording } from '../../relay/record/recording.ts';
import { main } from '../main.ts';

let dir: string;
let recording: Recording;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeroloop-replay-'));
  const [hello] = await readYamlObjects(
    new URL('../../reconcilers/website/samples/hello.yaml', import.meta.url),
  );
  assert.ok(hello);
  const request = requestFor(hello);
  const answer = expectOk(reconcile(await loadBuilt('website'), request));
  const made = recordingOf(
    'website',
    {
      key: 'default/hello',
      trigger: { type: 'primary' },
      result: 'success',
      durationMs: 5,
      phasesMs: {},
      request,
      answer,
    },
    undefined,
    new Date(),
  );
  assert.ok(made);
  recording = made;
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function replay(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['replay', ...args], {
    cwd: dir,
    env: process.env,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

async function save(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('a recording replayed against the same build gives the same answer: exit 0', async () => {
  const { code, stdout } = await replay(await save('same.json', recording));
  assert.equal(code, 0, stdout);
  assert.match(stdout, /replayed default\/hello \(primary, recorded .*\) against website build [0-9a-f]{12}/);
  assert.match(stdout, /same as the recorded answer/);
});

test('a different recorded answer exits 1 and names each changed field and object', async () => {
  assert.ok('ok' in recording.answer);
  const ok = recording.answer.ok;
  const changed: Recording = {
    ...recording,
    answer: {
      ok: {
        ...ok,
        desired: ok.desired
          .filter((o) => o.kind !== 'Service')
          .map((o) => (o.kind === 'Deployment' ? { ...o, spec: { ...(o.spec as object), replicas: 5 } } : o)),
      },
    },
  };
  const { code, stdout } = await replay(await save('changed.json', changed));
  assert.equal(code, 1, stdout);
  assert.match(stdout, /~ desired apps\/v1 Deployment default\/hello: spec\.replicas: 5 → 2/);
  assert.match(stdout, /\+ desired v1 Service default\/hello/);
  const json = await replay(await save('changed.json', changed), '--json');
  const parsed = JSON.parse(json.stdout) as {
    equal: boolean;
    differences: string[];
    timings: { reconcileMs: number };
  };
  assert.equal(parsed.equal, false);
  assert.equal(parsed.differences.length, 2);
});

test('bad input exits 2 saying what to do: no file, not a recording, an unbuilt reconciler', async () => {
  const missing = await replay(join(dir, 'nope.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.json/);
  const invalid = await replay(await save('bad.json', { version: 1 }));
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /bad\.json: not a recording \(version 1\): reconciler/);
  const unbuilt = await replay(await save('same.json', recording), '--reconciler', 'no-such');
  assert.equal(unbuilt.code, 2);
  assert.match(
    unbuilt.stderr,
    /no built reconciler "no-such" \(have: .*website.*\): run npm run build:reconcilers/,
  );
  assert.equal((await replay()).code, 2);
});

test('zeroloop record lists recordings newest last, and says how to start when there is none', async () => {
  const { mkdir } = await import('node:fs/promises');
  const empty = { stdout: '', stderr: '' };
  const io = (o: { stdout: string; stderr: string }) => ({
    cwd: dir,
    env: process.env,
    stdout: (t: string) => (o.stdout += t),
    stderr: (t: string) => (o.stderr += t),
  });
  assert.equal(await main(['record', '--dir', join(dir, 'none')], io(empty)), 0);
  assert.match(empty.stdout, /no recordings in none yet: annotate a primary with zeroloop.dev\/record=true/);
  await mkdir(join(dir, 'listed', 'website'), { recursive: true });
  const older = { ...recording, recordedAt: '2026-01-01T00:00:00.000Z' };
  await writeFile(join(dir, 'listed', 'website', 'b.json'), JSON.stringify(recording));
  await writeFile(join(dir, 'listed', 'website', 'a.json'), JSON.stringify(older));
  const listed = { stdout: '', stderr: '' };
  assert.equal(await main(['record', '--dir', join(dir, 'listed')], io(listed)), 0);
  const lines = listed.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0] ?? '',
    /^2026-01-01T00:00:00.000Z +website +default\/hello +primary +success +build unknown +listed\/website\/a.json$/,
  );
  assert.match(lines[1] ?? '', /listed\/website\/b.json$/);
  assert.equal(await main(['record', '--last', '0'], io(listed)), 2);
});
