// Unit tests of the exec credential plugin runner: parsing, caching on fake time, refresh on 401, env/args, and clear failures.
//
// The plugin is real (relay/testing/exec-plugin.ts, a Node script run as a child process); only time is fake.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { execPluginRuns, writeExecPlugin } from '../testing/exec-plugin.ts';
import type { ExecConfig, ExecCredentialSourceOptions } from './exec-credential.ts';
import { ExecCredentialSource, ExecPluginFailed, parseExecCredential } from './exec-credential.ts';

const V1 = 'client.authentication.k8s.io/v1';

async function withPlugin(
  fn: (plugin: { command: string; runs: string; dir: string }) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zl-exec-'));
  try {
    await fn({ command: await writeExecPlugin(dir), runs: join(dir, 'runs'), dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function source(
  plugin: { command: string; runs: string },
  config: Partial<ExecConfig> = {},
  options: Partial<ExecCredentialSourceOptions> = {},
) {
  return new ExecCredentialSource({
    config: {
      apiVersion: V1,
      command: plugin.command,
      args: [plugin.runs],
      interactiveMode: 'Never',
      ...config,
    },
    source: 'user u in test',
    ...options,
  });
}

test('exec credential should parse tokens, client certificates and expiry, and refuse what client-go refuses', () => {
  const ok = parseExecCredential(
    JSON.stringify({
      apiVersion: V1,
      kind: 'ExecCredential',
      status: {
        token: 't',
        clientCertificateData: '-----BEGIN CERTIFICATE-----',
        clientKeyData: '-----BEGIN KEY-----',
        expirationTimestamp: '2030-01-02T03:04:05Z',
      },
    }),
    V1,
  );
  assert.equal(ok.token, 't');
  assert.equal(ok.cert?.toString(), '-----BEGIN CERTIFICATE-----');
  assert.equal(ok.key?.toString(), '-----BEGIN KEY-----');
  assert.equal(ok.expiresAt, Date.UTC(2030, 0, 2, 3, 4, 5));
  const noExpiry = parseExecCredential(
    JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { token: 't' } }),
    V1,
  );
  assert.equal(noExpiry.expiresAt, undefined);

  const bad = (stdout: string, pattern: RegExp) => {
    assert.throws(() => parseExecCredential(stdout, V1), pattern);
  };
  bad('', /did not print an ExecCredential as JSON on stdout \(it printed nothing\)/);
  bad('Please log in at https://login', /it printed "Please log in at https:\/\/login"/);
  bad(JSON.stringify({ apiVersion: V1, kind: 'Secret' }), /not an ExecCredential/);
  bad(
    JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { token: 't' },
    }),
    /configured to use API version client.authentication.k8s.io\/v1, but printed .*v1beta1/,
  );
  bad(JSON.stringify({ apiVersion: V1, kind: 'ExecCredential' }), /without a status/);
  bad(
    JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: {} }),
    /neither a token nor a client certificate/,
  );
  bad(
    JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { clientCertificateData: 'c' } }),
    /only a client certificate or only a key/,
  );
  bad(
    JSON.stringify({
      apiVersion: V1,
      kind: 'ExecCredential',
      status: { token: 't', expirationTimestamp: 'soon' },
    }),
    /expirationTimestamp "soon", which is not an RFC 3339 time/,
  );
});

test('exec credential should run the plugin once per credential lifetime, on fake time', () =>
  withPlugin(async (plugin) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const expiresAt = new Date(clock.now() + 60_000).toISOString();
    const creds = source(
      plugin,
      { env: [{ name: 'EXEC_EXPIRES_AT', value: expiresAt }] },
      { now: () => clock.now() },
    );
    // Concurrent callers share one run.
    const [a, b] = await Promise.all([creds.get(), creds.get()]);
    assert.equal(a, b);
    assert.equal(a.token, 'token-1');
    assert.equal(a.expiresAt, clock.now() + 60_000);
    await clock.advance(60_000);
    assert.equal((await creds.get()).token, 'token-1', 'valid up to expirationTimestamp');
    assert.equal((await execPluginRuns(plugin.runs)).length, 1);
    await clock.advance(1);
    assert.equal((await creds.get()).token, 'token-2', 'expired: the plugin ran again');
    assert.equal((await execPluginRuns(plugin.runs)).length, 2);
  }));

test('exec credential without expirationTimestamp should be cached for the process, until a 401 refuses it', () =>
  withPlugin(async (plugin) => {
    const clock = new FakeClock();
    const creds = source(plugin, {}, { now: () => clock.now() });
    const first = await creds.get();
    await clock.advance(365 * 24 * 3600_000);
    assert.equal(await creds.get(), first);
    assert.equal((await execPluginRuns(plugin.runs)).length, 1);
    creds.refused(first);
    const second = await creds.get();
    assert.equal(second.token, 'token-2');
    // A 401 to the old credential, answered after the refresh, runs nothing more.
    creds.refused(first);
    assert.equal(await creds.get(), second);
    assert.equal((await execPluginRuns(plugin.runs)).length, 2);
  }));

test('exec credential should give the plugin its args, env and KUBERNETES_EXEC_INFO as client-go does', () =>
  withPlugin(async (plugin) => {
    const cluster = { server: 'https://x.example', 'tls-server-name': 'x', config: { region: 'eu' } };
    const tokenFile = join(plugin.dir, 'token');
    await writeFile(tokenFile, 'from-args-file\n');
    const creds = source(
      plugin,
      {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        args: [plugin.runs, tokenFile],
        env: [{ name: 'EXEC_API_VERSION', value: 'client.authentication.k8s.io/v1beta1' }],
        provideClusterInfo: true,
      },
      { cluster },
    );
    assert.equal((await creds.get()).token, 'from-args-file');
    const [run] = await execPluginRuns(plugin.runs);
    assert.deepEqual(JSON.parse(run?.info ?? ''), {
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      spec: { interactive: false, cluster },
    });
    // Without provideClusterInfo, no cluster.
    const plain = source({ ...plugin, runs: `${plugin.runs}-2` });
    await plain.get();
    const [run2] = await execPluginRuns(`${plugin.runs}-2`);
    assert.deepEqual(JSON.parse(run2?.info ?? ''), {
      kind: 'ExecCredential',
      apiVersion: V1,
      spec: { interactive: false },
    });
  }));

test('exec credential should say what to do when the plugin is missing, fails, or prints garbage', () =>
  withPlugin(async (plugin) => {
    const missing = source(plugin, { command: 'aws-not-installed', installHint: 'Install the AWS CLI v2.' });
    await assert.rejects(missing.get(), (error: unknown) => {
      assert.ok(error instanceof ExecPluginFailed);
      assert.equal(error.command, 'aws-not-installed');
      assert.match(
        error.message,
        /exec plugin aws-not-installed \(user u in test\): command not found: install aws-not-installed and make sure it is on PATH.*Install the AWS CLI v2\./,
      );
      return true;
    });
    const failing = source(plugin, { env: [{ name: 'EXEC_FAIL', value: 'x'.repeat(10_000) + ' the end' }] });
    await assert.rejects(failing.get(), (error: unknown) => {
      assert.ok(error instanceof ExecPluginFailed);
      assert.match(
        error.message,
        /exited with status 1; fix what it reports .*its stderr: …\(\d+ bytes cut\) x+ the end$/,
      );
      assert.ok(error.message.length < 5000, `bounded: ${error.message.length}`);
      return true;
    });
    const garbage = source(plugin, { env: [{ name: 'EXEC_STDOUT', value: 'not json' }] });
    await assert.rejects(
      garbage.get(),
      /did not print an ExecCredential as JSON on stdout \(it printed "not json"\)/,
    );
    // A failure caches nothing: the next get runs the plugin again.
    const before = (await execPluginRuns(plugin.runs)).length;
    await assert.rejects(garbage.get());
    assert.equal((await execPluginRuns(plugin.runs)).length, before + 1);
  }));

test('exec credential should kill a plugin that waits too long, and say so', () =>
  withPlugin(async (plugin) => {
    const slow = join(plugin.dir, 'slow.sh');
    await writeFile(slow, '#!/bin/sh\necho "waiting for you to log in" >&2\nsleep 30\n');
    await chmod(slow, 0o755);
    const creds = new ExecCredentialSource({
      config: { apiVersion: V1, command: slow, interactiveMode: 'IfAvailable' },
      source: 'user u in test',
      timeoutMs: 300,
    });
    await assert.rejects(
      creds.get(),
      /did not finish within 300 ms; it was killed; run it by hand .*waiting for you to log in/,
    );
  }));
