// Unit tests of the RestConfig loader: kubeconfig users and clusters, in-cluster service account, refusals.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderKubeconfig } from '../../cluster/kubeconfig.ts';
import { Connection } from './connection.ts';
import { inClusterRestConfig, loadKubeconfigFile, loadRestConfig, RestConfigInvalid } from './rest-config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'zl-restconfig-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `yaml` to a temp kubeconfig and loads it as --kubeconfig would. */
const restConfigFromYaml = (yaml: string) =>
  inTempDir(async (dir) => {
    await writeFile(join(dir, 'config'), yaml);
    return loadKubeconfigFile(join(dir, 'config'));
  });

test('rest config should read the local control plane kubeconfig: server, CA and token', async () => {
  const yaml = renderKubeconfig({
    name: 'zl',
    server: 'https://127.0.0.1:6443/',
    caPem: 'PEM',
    user: 'admin',
    token: 'secret-token',
  });
  const config = await restConfigFromYaml(yaml);
  assert.equal(config.server, 'https://127.0.0.1:6443');
  assert.equal(config.tls.ca?.toString(), 'PEM');
  assert.equal(config.tls.insecureSkipVerify, false);
  assert.deepEqual(config.auth, { type: 'token', token: 'secret-token' });
  assert.equal(new Connection(config).authorization(), 'Bearer secret-token');
});

test('rest config should read client certificates, skip-verify and files relative to the kubeconfig', () =>
  inTempDir(async (dir) => {
    await writeFile(join(dir, 'ca.pem'), 'CA');
    await writeFile(join(dir, 'token'), 'from-file\n');
    const path = join(dir, 'config');
    await writeFile(
      path,
      `
apiVersion: v1
kind: Config
current-context: b
clusters:
- name: a
  cluster: { server: https://a.example }
- name: b
  cluster:
    server: https://b.example:443
    certificate-authority: ca.pem
    insecure-skip-tls-verify: true
    tls-server-name: kubernetes
users:
- name: cert
  user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')}, tokenFile: token }
contexts:
- name: b
  context: { cluster: b, user: cert, namespace: ns }
`,
    );
    const config = await loadKubeconfigFile(path);
    assert.equal(config.server, 'https://b.example:443');
    assert.equal(config.tls.ca?.toString(), 'CA');
    assert.equal(config.tls.cert?.toString(), 'CERT');
    assert.equal(config.tls.key?.toString(), 'KEY');
    assert.equal(config.tls.insecureSkipVerify, true);
    assert.equal(config.tls.serverName, 'kubernetes');
    assert.equal(config.namespace, 'ns');
    assert.deepEqual(config.auth, { type: 'tokenFile', path: join(dir, 'token') });
    assert.equal(new Connection(config).authorization(), 'Bearer from-file');
  }));

test('rest config should name the missing piece of a broken kubeconfig', async () => {
  await assert.rejects(restConfigFromYaml('clusters: []'), /no current-context/);
  await assert.rejects(
    restConfigFromYaml('current-context: x\ncontexts: [{ name: x, context: { cluster: gone } }]'),
    /cluster gone of context x is not defined/,
  );
  await assert.rejects(loadKubeconfigFile('/does/not/exist'), /does not exist; check --kubeconfig/);
});

test('rest config should build the in-cluster config from the service account and the service env', () =>
  inTempDir(async (dir) => {
    await writeFile(join(dir, 'ca.crt'), 'SA-CA');
    await writeFile(join(dir, 'token'), 'sa-token');
    const config = inClusterRestConfig(
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      dir,
    );
    assert.equal(config.server, 'https://[fd00::1]:443');
    assert.equal(config.tls.ca?.toString(), 'SA-CA');
    assert.equal(new Connection(config).authorization(), 'Bearer sa-token');
    assert.throws(() => inClusterRestConfig({}, dir), /KUBERNETES_SERVICE_HOST/);
  }));

test('rest config from the environment should prefer KUBECONFIG (its files merged) over in-cluster', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'kc');
    await writeFile(
      path,
      renderKubeconfig({ name: 'n', server: 'https://k', caPem: 'x', user: 'u', token: 't' }),
    );
    const config = await loadRestConfig({
      KUBECONFIG: `${path}:/other`,
      KUBERNETES_SERVICE_HOST: 'ignored',
      KUBERNETES_SERVICE_PORT: '1',
    });
    assert.equal(config.server, 'https://k');
  }));

test('rest config from the environment should read the in-cluster files from ZEROLOOP_SERVICE_ACCOUNT_DIR when set', () =>
  inTempDir(async (dir) => {
    await writeFile(join(dir, 'ca.crt'), 'TEST-CA');
    await writeFile(join(dir, 'token'), 'test-token');
    const config = await loadRestConfig({
      KUBECONFIG: '',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: '6443',
      ZEROLOOP_SERVICE_ACCOUNT_DIR: dir,
    });
    assert.equal(config.server, 'https://127.0.0.1:6443');
    assert.equal(config.tls.ca?.toString(), 'TEST-CA');
    assert.deepEqual(config.auth, { type: 'tokenFile', path: join(dir, 'token') });
  }));

test('a token file should be re-read once a minute, as it rotates', () =>
  inTempDir(async (dir) => {
    const path = join(dir, 'token');
    await writeFile(path, 'one');
    const connection = new Connection({
      server: 'https://x',
      tls: { insecureSkipVerify: false },
      auth: { type: 'tokenFile', path },
    });
    assert.equal(connection.authorization(0), 'Bearer one');
    await writeFile(path, 'two');
    assert.equal(connection.authorization(59_999), 'Bearer one');
    assert.equal(connection.authorization(60_000), 'Bearer two');
    await rm(path);
    assert.throws(
      () => connection.authorization(120_000),
      (error: unknown) => {
        assert.ok(error instanceof RestConfigInvalid);
        assert.match(error.message, /cannot read the bearer token file; in a Pod, check/);
        return true;
      },
    );
    await connection.close();
  }));
