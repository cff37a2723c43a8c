// E2e: the relay records the reconciles of a Website annotated zeroloop.dev/record, and `zeroloop replay` gives the same answer in Node.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../cli/main.ts';
import { builtHash } from '../../reconcilers/pipeline/cache.ts';
import { parseRecording, RECORD_ANNOTATION } from '../../relay/record/recording.ts';
import { eventually } from '../support/kube.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import { startRelayEnv, WEBSITE, WEBSITE_RECONCILER } from '../support/relay-env.ts';

let env: RelayEnv;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeroloop-recordings-'));
  env = await startRelayEnv({
    name: 'record',
    reconcilers: [WEBSITE_RECONCILER],
    relayOptions: { record: { dir, buildHash: builtHash } },
  });
});
after(async () => {
  await env.stop();
  await rm(dir, { recursive: true, force: true });
});

const files = async () => (await readdir(join(dir, 'website')).catch(() => [])).sort();

test('an annotated Website is recorded, request, answer and build hash; an unannotated one is not', async () => {
  const annotations = { [RECORD_ANNOTATION]: 'true' };
  await env.kube.create({ ...WEBSITE, metadata: { name: 'plain', namespace: env.namespace }, spec: {} });
  await env.kube.create({
    ...WEBSITE,
    metadata: { name: 'recorded', namespace: env.namespace, annotations },
    spec: { replicas: 2, html: '<h1>recorded</h1>' },
  });
  const names = await eventually('a recording', async () =>
    (await files()).length > 0 ? files() : undefined,
  );
  assert.ok(
    names.every((n) => n.includes(`${env.namespace}_recorded`)),
    names.join(' '),
  );
  const file = join(dir, 'website', names[0] ?? '');
  const recording = parseRecording(file, await readFile(file, 'utf8'));
  assert.equal(recording.reconciler, 'website');
  assert.equal(recording.key, `${env.namespace}/recorded`);
  assert.equal(recording.result, 'success');
  assert.equal(recording.buildHash, await builtHash('website'));
  assert.equal(recording.request.primary.metadata.name, 'recorded');
  assert.ok('ok' in recording.answer);
  assert.deepEqual(recording.answer.ok.desired.map((o) => o.kind).sort(), [
    'ConfigMap',
    'Deployment',
    'Service',
  ]);

  // Replayed in Node against the same build: the same answer, exit 0.
  let out = '';
  const code = await main(['replay', file], {
    cwd: dir,
    env: process.env,
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
  });
  assert.equal(code, 0, out);
  assert.match(out, /same as the recorded answer/);
});
