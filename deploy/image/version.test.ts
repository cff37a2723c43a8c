// The image's name and tag should come from one place each: the chart's appVersion (helm's default tag), the kustomization's `images:` and the Deployment agree.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { renderPlainKustomization, transformImage } from '../../test/support/kustomization.ts';
import { chartAppVersion, readDeployment } from './config.ts';

const DEPLOY = fileURLToPath(new URL('../', import.meta.url));

test('the chart appVersion, the kustomization images entry and the Deployment should name one image', async () => {
  const version = await chartAppVersion();
  const deployment = await readDeployment();
  const kustomization = load(await readFile(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as {
    images: { name: string; newName: string; newTag: string }[];
  };
  const values = load(await readFile(join(DEPLOY, 'helm/zeroloop/values.yaml'), 'utf8')) as {
    image: { repository: string; tag: string };
  };
  const [image] = kustomization.images;
  assert.ok(image);
  assert.equal(deployment.image, `${image.name}:${version}`);
  assert.equal(`${image.newName}:${image.newTag}`, deployment.image);
  assert.equal(values.image.repository, image.newName);
  assert.equal(values.image.tag, '', "the chart's tag defaults to its appVersion");
  const rendered = (await renderPlainKustomization(DEPLOY)).find((o) => o.kind === 'Deployment');
  const containers = (rendered?.spec as { template: { spec: { containers: { image: string }[] } } }).template
    .spec.containers;
  assert.equal(containers[0]?.image, `ghcr.io/zeroloop/relay:${version}`);
});

test('the kustomization images transformer should set a new name, tag or digest on the named image only', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.equal(
    transformImage('ghcr.io/zeroloop/relay:0.1.0', [{ name: 'ghcr.io/zeroloop/relay', newTag: '0.2.0' }]),
    'ghcr.io/zeroloop/relay:0.2.0',
  );
  assert.equal(
    transformImage('ghcr.io/zeroloop/relay:0.1.0', [
      { name: 'ghcr.io/zeroloop/relay', newName: 'r.example:5000/me/relay' },
    ]),
    'r.example:5000/me/relay:0.1.0',
  );
  assert.equal(
    transformImage('ghcr.io/zeroloop/relay:0.1.0', [{ name: 'ghcr.io/zeroloop/relay', digest }]),
    `ghcr.io/zeroloop/relay@${digest}`,
  );
  assert.equal(
    transformImage('r.example:5000/other:1', [{ name: 'r.example', newTag: '2' }]),
    'r.example:5000/other:1',
  );
});

test('a kustomization with something the renderer does not read should be refused, naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zl-kustomize-'));
  try {
    await writeFile(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\nimages:\n  - newTag: "1"\n',
    );
    await assert.rejects(renderPlainKustomization(dir), /images\.0\.name/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
