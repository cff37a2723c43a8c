// Unit tests of kubeconfig loading by kubectl's rules: merged KUBECONFIG files, contexts, relative paths, exec and auth-provider users.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execPluginRuns, writeExecPlugin } from '../testing/exec-plugin.ts';
import { ExecPluginFailed } from './exec-credential.ts';
import { authProviderAdvice, loadKubeconfig } from './kubeconfig.ts';
import { RestConfigInvalid } from './rest-config.ts';

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'zl-kubeconfig-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Two files as a user might have them: both define cluster `shared` and user `admin`; only the second sets current-context. */
async function twoFiles(dir: string): Promise<[string, string]> {
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  await writeFile(
    a,
    `
apiVersion: v1
kind: Config
clusters:
- { name: shared, cluster: { server: https://a.example, tls-server-name: from-a } }
- { name: only-a, cluster: { server: https://only-a.example } }
users:
- { name: admin, user: { token: token-a } }
contexts:
- { name: ctx-a, context: { cluster: shared, user: admin, namespace: ns-a } }
- { name: ctx-only-a, context: { cluster: only-a, user: admin } }
`,
  );
  await writeFile(
    b,
    `
apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- { name: shared, cluster: { server: https://b.example, proxy-url: http://proxy.example:3128 } }
- { name: only-b, cluster: { server: https://only-b.example } }
users:
- { name: admin, user: { token: token-b } }
- { name: other, user: { token: token-other } }
contexts:
- { name: ctx-b, context: { cluster: shared, user: admin } }
- { name: ctx-only-b, context: { cluster: only-b, user: other } }
`,
  );
  return [a, b];
}

test('kubeconfig should merge KUBECONFIG files as kubectl does: the first to define a name wins, whole', () =>
  inTempDir(async (dir) => {
    const [a, b] = await twoFiles(dir);
    const config = await loadKubeconfig({ paths: [a, b], env: {} });
    // current-context from the first file that sets it (b); cluster and user `shared`/`admin` from a,
    // and none of b's fields (its proxy-url) leak into a's entry.
    assert.equal(config.context, 'ctx-b');
    assert.equal(config.server, 'https://a.example');
    assert.equal(config.tls.serverName, 'from-a');
    assert.equal(config.proxy, undefined);
    assert.deepEqual(config.auth, { type: 'token', token: 'token-a' });
    // Names only the second file defines are there too.
    const onlyB = await loadKubeconfig({ paths: [a, b], context: 'ctx-only-b', env: {} });
    assert.equal(onlyB.server, 'https://only-b.example');
    assert.deepEqual(onlyB.auth, { type: 'token', token: 'token-other' });
  }));

test('kubeconfig should take current-context from the first file that sets it, whatever the order', () =>
  inTempDir(async (dir) => {
    const [a, b] = await twoFiles(dir);
    const c = join(dir, 'c.yaml');
    await writeFile(c, 'current-context: ctx-only-a\n');
    assert.equal((await loadKubeconfig({ paths: [c, a, b], env: {} })).server, 'https://only-a.example');
    assert.equal((await loadKubeconfig({ paths: [b, a], env: {} })).server, 'https://b.example');
  }));

test('kubeconfig should use --context over current-context, and list the contexts when it is unknown', () =>
  inTempDir(async (dir) => {
    const [a, b] = await twoFiles(dir);
    const config = await loadKubeconfig({ paths: [a, b], context: 'ctx-a', env: {} });
    assert.equal(config.namespace, 'ns-a');
    assert.equal(config.context, 'ctx-a');
    await assert.rejects(loadKubeconfig({ paths: [a, b], context: 'nope', env: {} }), (error: unknown) => {
      assert.ok(error instanceof RestConfigInvalid);
      assert.match(
        error.message,
        /context nope is not defined; the contexts are: ctx-a, ctx-only-a, ctx-b, ctx-only-b/,
      );
      return true;
    });
    await assert.rejects(loadKubeconfig({ paths: [a], env: {} }), /no current-context; pass --context NAME/);
  }));

test('kubeconfig should skip KUBECONFIG files that do not exist, but not an explicit --kubeconfig', () =>
  inTempDir(async (dir) => {
    const [a, b] = await twoFiles(dir);
    const config = await loadKubeconfig({ paths: [join(dir, 'missing'), b, a], env: {} });
    assert.equal(config.server, 'https://b.example');
    await assert.rejects(
      loadKubeconfig({ paths: [join(dir, 'missing')], explicit: true }),
      /missing: does not exist; check --kubeconfig/,
    );
    await assert.rejects(
      loadKubeconfig({ paths: [join(dir, 'x'), join(dir, 'y')] }),
      /none of these kubeconfig files exists/,
    );
    await writeFile(join(dir, 'bad.yaml'), 'clusters: [ {');
    await assert.rejects(loadKubeconfig({ paths: [join(dir, 'bad.yaml'), a] }), /bad.yaml: not valid YAML/);
  }));

test('kubeconfig should resolve relative paths against the file that holds them', () =>
  inTempDir(async (dir) => {
    const sub = join(dir, 'sub');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    await writeFile(join(sub, 'ca.pem'), 'CA-SUB');
    await writeFile(join(sub, 'token'), 'token-from-sub\n');
    const first = join(dir, 'first.yaml');
    await writeFile(first, 'current-context: c\n');
    const second = join(sub, 'second.yaml');
    await writeFile(
      second,
      `
clusters: [{ name: c, cluster: { server: https://c.example, certificate-authority: ca.pem } }]
users: [{ name: u, user: { tokenFile: token } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
`,
    );
    const config = await loadKubeconfig({ paths: [first, second], env: {} });
    assert.equal(config.tls.ca?.toString(), 'CA-SUB');
    assert.deepEqual(config.auth, { type: 'tokenFile', path: join(sub, 'token') });
  }));

test('kubeconfig should give each legacy auth provider one sentence saying what replaced it', () =>
  inTempDir(async (dir) => {
    for (const [name, advice] of [
      ['gcp', /gke-gcloud-auth-plugin/],
      ['azure', /kubelogin convert-kubeconfig/],
      ['oidc', /kubelogin/],
      ['keystone', /zeroloop does not run auth provider keystone: use the exec credential plugin/],
    ] as const) {
      const path = join(dir, `${name}.yaml`);
      await writeFile(
        path,
        `
current-context: c
clusters: [{ name: c, cluster: { server: https://x } }]
users: [{ name: u, user: { auth-provider: { name: ${name}, config: { a: b } } } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
`,
      );
      await assert.rejects(loadKubeconfig({ paths: [path] }), (error: unknown) => {
        assert.ok(error instanceof RestConfigInvalid);
        assert.match(error.message, advice);
        assert.ok(error.message.startsWith(`${path}: user u: `), error.message);
        return true;
      });
      assert.equal(authProviderAdvice(name).split('. ').length, 1, 'one sentence');
    }
  }));

/** A kubeconfig whose user `u` runs `exec` (YAML flow text). */
async function execKubeconfig(dir: string, exec: string, user = ''): Promise<string> {
  const path = join(dir, 'exec.yaml');
  await writeFile(
    path,
    `
current-context: c
clusters: [{ name: c, cluster: { server: https://x.example, tls-server-name: x } }]
users: [{ name: u, user: { ${user}exec: ${exec} } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
`,
  );
  return path;
}

test('kubeconfig should run an exec plugin once when loaded, relative to the kubeconfig, and fail early when it fails', () =>
  inTempDir(async (dir) => {
    await writeExecPlugin(dir, 'plugin.mjs');
    const runs = join(dir, 'runs');
    const path = await execKubeconfig(
      dir,
      `{ apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, command: ./plugin.mjs, args: [${runs}] }`,
    );
    const config = await loadKubeconfig({ paths: [path], explicit: true });
    assert.equal((await execPluginRuns(runs)).length, 1);
    assert.ok(config.auth.type === 'exec');
    assert.equal((await config.auth.credentials.get()).token, 'token-1');
    assert.equal((await execPluginRuns(runs)).length, 1, 'the credential is cached');

    const failing = await execKubeconfig(
      dir,
      `{ apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, command: ./plugin.mjs, args: [${runs}], env: [{ name: EXEC_FAIL, value: "token expired: run aws sso login" }] }`,
    );
    await assert.rejects(loadKubeconfig({ paths: [failing] }), (error: unknown) => {
      assert.ok(error instanceof ExecPluginFailed);
      assert.match(error.message, /exited with status 1.*its stderr: token expired: run aws sso login/);
      return true;
    });
  }));

test('kubeconfig should prefer a static token to an exec plugin, as client-go does', () =>
  inTempDir(async (dir) => {
    const path = await execKubeconfig(
      dir,
      '{ apiVersion: client.authentication.k8s.io/v1beta1, command: never-run-this }',
      'token: static, ',
    );
    assert.deepEqual((await loadKubeconfig({ paths: [path] })).auth, { type: 'token', token: 'static' });
  }));

test('kubeconfig should refuse exec plugins it cannot run without a terminal, or whose section is invalid', () =>
  inTempDir(async (dir) => {
    const always = await execKubeconfig(
      dir,
      '{ apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always, command: kubelogin }',
    );
    await assert.rejects(
      loadKubeconfig({ paths: [always] }),
      /interactiveMode Always.*set interactiveMode to IfAvailable or Never/,
    );
    const unset = await execKubeconfig(
      dir,
      '{ apiVersion: client.authentication.k8s.io/v1, command: kubelogin }',
    );
    await assert.rejects(loadKubeconfig({ paths: [unset] }), /interactiveMode must be set/);
    const alpha = await execKubeconfig(
      dir,
      '{ apiVersion: client.authentication.k8s.io/v1alpha1, command: x }',
    );
    await assert.rejects(loadKubeconfig({ paths: [alpha] }), /the exec section of user u is invalid/);
  }));

test('kubeconfig should refuse impersonation rather than act as another identity', () =>
  inTempDir(async (dir) => {
    const path = await execKubeconfig(dir, 'null', 'token: t, as: someone-else, ');
    await assert.rejects(loadKubeconfig({ paths: [path] }), /impersonates someone-else/);
  }));

test('kubeconfig should pick the proxy: the cluster proxy-url, else HTTPS_PROXY unless NO_PROXY', () =>
  inTempDir(async (dir) => {
    const [a, b] = await twoFiles(dir);
    const viaUrl = await loadKubeconfig({ paths: [b], env: { HTTPS_PROXY: 'http://env:1' } });
    assert.deepEqual(viaUrl.proxy, { url: 'http://proxy.example:3128', from: 'proxy-url' });
    const viaEnv = await loadKubeconfig({ paths: [a, b], env: { HTTPS_PROXY: 'env-proxy:8080' } });
    assert.deepEqual(viaEnv.proxy, { url: 'http://env-proxy:8080', from: 'HTTPS_PROXY' });
    const excluded = await loadKubeconfig({
      paths: [a, b],
      env: { https_proxy: 'http://env:1', no_proxy: '.example' },
    });
    assert.equal(excluded.proxy, undefined);
    await writeFile(
      join(dir, 'ftp.yaml'),
      'current-context: c\nclusters: [{ name: c, cluster: { server: https://x, proxy-url: "ftp://p" } }]\ncontexts: [{ name: c, context: { cluster: c } }]\n',
    );
    await assert.rejects(
      loadKubeconfig({ paths: [join(dir, 'ftp.yaml')] }),
      /scheme must be http, https or socks5/,
    );
  }));
