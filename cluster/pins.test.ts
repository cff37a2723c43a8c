// Unit tests of go.mod pin parsing, the cache key and the version ldflags.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { defaultBinaryName } from './build.ts';
import { cacheKey, parsePins, PinsParseFailed, versionLdflags } from './pins.ts';

const goMod = `module x\n\ngo 1.25.0\n\nrequire (\n\tgo.etcd.io/etcd/server/v3 v3.6.5 // indirect\n\tk8s.io/kubernetes v1.35.4 // indirect\n)\n`;
const kwokGoMod = `module y\n\ngo 1.26.0\n\nrequire (\n\tsigs.k8s.io/kwok v0.8.0 // indirect\n)\n`;

test('parsePins should read the Kubernetes, etcd, KWOK and the newest Go versions', () => {
  assert.deepEqual(parsePins(goMod, kwokGoMod), {
    kubernetes: 'v1.35.4',
    etcd: 'v3.6.5',
    kwok: 'v0.8.0',
    go: '1.26.0',
  });
  assert.equal(parsePins(goMod.replace('go 1.25.0', 'go 1.27.1'), kwokGoMod).go, '1.27.1');
});

test('parsePins should read the real go.mod files as Kubernetes 1.35 and KWOK 0.8', () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
  const pins = parsePins(read('gomod/go.mod'), read('kwokmod/go.mod'));
  assert.match(pins.kubernetes, /^v1\.35\.\d+$/);
  assert.match(pins.kwok, /^v0\.8\.\d+$/);
});

test('parsePins should name what is missing', () => {
  assert.throws(
    () => parsePins('module x\n\ngo 1.25.0\n', 'module y\n'),
    (error: unknown) => {
      assert.ok(error instanceof PinsParseFailed);
      assert.match(
        error.message,
        /gomod\/go\.mod: k8s\.io\/kubernetes, cluster\/gomod\/go\.mod: go\.etcd\.io/,
      );
      assert.match(
        error.message,
        /kwokmod\/go\.mod: sigs\.k8s\.io\/kwok, cluster\/kwokmod\/go\.mod: the go directive/,
      );
      return true;
    },
  );
});

test('parsePins should refuse a non-release Kubernetes version', () => {
  assert.throws(() => parsePins(goMod.replace('v1.35.4', 'v0.0.0'), kwokGoMod), PinsParseFailed);
});

test('cacheKey should change with any module file and the recipe, and name the version', () => {
  const pins = parsePins(goMod, kwokGoMod);
  const key = cacheKey(pins, [goMod, 'sum', kwokGoMod, 'ksum'], 'r1');
  assert.match(key, /^k8s-v1\.35\.4-[0-9a-f]{12}$/);
  assert.equal(cacheKey(pins, [goMod, 'sum', kwokGoMod, 'ksum'], 'r1'), key);
  assert.notEqual(cacheKey(pins, [goMod, 'sum2', kwokGoMod, 'ksum'], 'r1'), key);
  assert.notEqual(cacheKey(pins, [goMod, 'sum', kwokGoMod, 'ksum2'], 'r1'), key);
  assert.notEqual(cacheKey(pins, [goMod, 'sum', kwokGoMod, 'ksum'], 'r2'), key);
});

test('defaultBinaryName should name a /vN main package after the element before it', () => {
  assert.equal(defaultBinaryName('go.etcd.io/etcd/server/v3'), 'server');
  assert.equal(defaultBinaryName('k8s.io/kubernetes/cmd/kube-scheduler'), 'kube-scheduler');
});

test('versionLdflags should stamp gitVersion, major and minor', () => {
  const flags = versionLdflags('v1.35.4');
  assert.match(flags, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.35\.4/);
  assert.match(flags, /gitMajor=1 /);
  assert.match(flags, /gitMinor=35 /);
});
