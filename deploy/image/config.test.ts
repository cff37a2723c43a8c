// The image config should follow the Deployment (command, literal env, ports, user) and refuse a Deployment it cannot follow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLdd } from './rootfs.ts';
import { ImageConfigInvalid, imageConfig, parseDeployment, readDeployment } from './config.ts';

const LABELS = {
  version: '9.9.9',
  source: 'https://example.test/src',
  licenses: 'Apache-2.0',
  nodeVersion: 'v24.0.0',
};

test('image config should take the Deployment command as entrypoint and its literal env as defaults, without LEADER_ELECTION', async () => {
  const deployment = await readDeployment();
  const config = imageConfig(deployment, LABELS);
  assert.deepEqual(config.entrypoint, deployment.command);
  assert.ok(deployment.literalEnv.includes('LEADER_ELECTION=true'));
  assert.equal(
    config.env.some((e) => e.startsWith('LEADER_ELECTION=')),
    false,
  );
  for (const e of deployment.literalEnv.filter((e) => !e.startsWith('LEADER_ELECTION=')))
    assert.ok(config.env.includes(e), e);
  assert.deepEqual(config.exposedPorts, ['9090/tcp']);
  assert.equal(config.user, '65532:65532');
  assert.equal(config.labels['org.opencontainers.image.version'], '9.9.9');
});

test('image config should refuse a Deployment whose command is not node, or whose user is another', () => {
  const yaml = (command: string, user = 65532) => `
kind: Deployment
spec:
  template:
    spec:
      securityContext: { runAsUser: ${user} }
      containers:
        - { name: relay, image: 'x/relay:1', command: ${command} }
`;
  assert.throws(
    () => imageConfig(parseDeployment(yaml('[sh, -c, run]'), 'd.yaml'), LABELS),
    ImageConfigInvalid,
  );
  assert.throws(
    () => imageConfig(parseDeployment(yaml('[node, relay.mjs]', 1000), 'd.yaml'), LABELS),
    /runAsUser 1000/,
  );
  assert.throws(
    () => parseDeployment('kind: Deployment\nspec: {}\n', 'bad.yaml'),
    /bad\.yaml: not the relay Deployment/,
  );
});

test('parseLdd should read sonames and the loader, and say when a library is missing', () => {
  const out = `\tlinux-vdso.so.1 (0x00007ffd)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f22688a5000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f226833e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f22688bd000)
`;
  assert.deepEqual(parseLdd(out), {
    sonames: ['libstdc++.so.6', 'libc.so.6'],
    interpreter: '/lib64/ld-linux-x86-64.so.2',
  });
  assert.throws(() => parseLdd('\tlibfoo.so.1 => not found\n'), /libfoo\.so\.1 => not found/);
});
