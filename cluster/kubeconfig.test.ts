// Unit tests of kubeconfig rendering, read back with @kubernetes/client-node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from './kubeconfig.ts';

const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('renderKubeconfig should load in client-node with the server, CA and token', () => {
  const kc = new KubeConfig();
  kc.loadFromString(
    renderKubeconfig({
      name: 'zeroloop',
      server: 'https://127.0.0.1:6443',
      caPem,
      user: 'admin',
      token: 't0k',
    }),
  );
  assert.equal(kc.getCurrentContext(), 'zeroloop');
  assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  assert.equal(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString(), caPem);
  assert.equal(kc.getCurrentUser()?.token, 't0k');
});

test('renderKubeconfig should quote values that YAML would otherwise misread', () => {
  const kc = new KubeConfig();
  kc.loadFromString(
    renderKubeconfig({
      name: 'a: b #c',
      server: 'https://x',
      caPem,
      user: 'yes',
      token: '0123',
      namespace: 'no',
    }),
  );
  assert.equal(kc.getCurrentContext(), 'a: b #c');
  assert.equal(kc.getCurrentUser()?.name, 'yes');
  assert.equal(kc.getCurrentUser()?.token, '0123');
  assert.equal(kc.getContextObject('a: b #c')?.namespace, 'no');
});
