// Unit tests of go.mod pin parsing, the cache key and the version ldflags.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { cacheKey, parsePins, PinsParseFailed, versionLdflags } from './pins.ts';

const goMod = `module x\n\ngo 1.25.0\n\nrequire (\n\tgo.etcd.io/etcd/server/v3 v3.6.5 // indirect\n\tk8s.io/kubernetes v1.35.4 // indirect\n)\n`;

test('parsePins should read the Kubernetes, etcd and Go versions', () => {
  assert.deepEqual(parsePins(goMod), { kubernetes: 'v1.35.4', etcd: 'v3.6.5', go: '1.25.0' });
});

test('parsePins should read the real cluster/gomod/go.mod as Kubernetes 1.35', () => {
  const pins = parsePins(readFileSync(new URL('gomod/go.mod', import.meta.url), 'utf8'));
  assert.match(pins.kubernetes, /^v1\.35\.\d+$/);
});

test('parsePins should name what is missing', () => {
  assert.throws(
    () => parsePins('module x\n\ngo 1.25.0\n'),
    (error: unknown) => {
      assert.ok(error instanceof PinsParseFailed);
      assert.match(error.message, /k8s\.io\/kubernetes, go\.etcd\.io\/etcd\/server\/v3/);
      return true;
    },
  );
});

test('parsePins should refuse a non-release Kubernetes version', () => {
  assert.throws(() => parsePins(goMod.replace('v1.35.4', 'v0.0.0')), PinsParseFailed);
});

test('cacheKey should change with go.sum and the recipe, and name the version', () => {
  const pins = parsePins(goMod);
  const key = cacheKey(pins, goMod, 'sum', 'r1');
  assert.match(key, /^k8s-v1\.35\.4-[0-9a-f]{12}$/);
  assert.equal(cacheKey(pins, goMod, 'sum', 'r1'), key);
  assert.notEqual(cacheKey(pins, goMod, 'sum2', 'r1'), key);
  assert.notEqual(cacheKey(pins, goMod, 'sum', 'r2'), key);
});

test('versionLdflags should stamp gitVersion, major and minor', () => {
  const flags = versionLdflags('v1.35.4');
  assert.match(flags, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.35\.4/);
  assert.match(flags, /gitMajor=1 /);
  assert.match(flags, /gitMinor=35 /);
});
