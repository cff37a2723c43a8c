// Unit tests of Go failure classification and version comparison.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyGoFailure, parseGoVersion, versionAtLeast } from './gocmd.ts';

test('classifyGoFailure should recognise an unreachable module proxy', () => {
  const stderr =
    'go: k8s.io/api@v0.35.4: Get "https://proxy.golang.org/k8s.io/api/@v/v0.35.4.zip": dial tcp 142.250.0.1:443: connect: connection refused';
  assert.equal(classifyGoFailure(stderr), 'module-proxy');
});

test('classifyGoFailure should recognise an unreachable checksum database before the network words', () => {
  const stderr =
    'verifying k8s.io/api@v0.35.4: k8s.io/api@v0.35.4: Get "https://sum.golang.org/lookup/k8s.io/api@v0.35.4": dial tcp: i/o timeout';
  assert.equal(classifyGoFailure(stderr), 'checksum-db');
});

test('classifyGoFailure should leave compile errors alone', () => {
  assert.equal(classifyGoFailure('./main.go:3:2: undefined: foo'), 'other');
});

test('parseGoVersion should read go version output', () => {
  assert.deepEqual(parseGoVersion('go version go1.26.8 linux/amd64'), [1, 26, 8]);
  assert.deepEqual(parseGoVersion('go1.25'), [1, 25, 0]);
  assert.equal(parseGoVersion('bash: go: command not found'), undefined);
});

test('versionAtLeast should compare component by component', () => {
  assert.equal(versionAtLeast([1, 26, 8], [1, 25, 0]), true);
  assert.equal(versionAtLeast([1, 25, 0], [1, 25, 0]), true);
  assert.equal(versionAtLeast([1, 24, 9], [1, 25, 0]), false);
  assert.equal(versionAtLeast([2, 0, 0], [1, 99, 0]), true);
});
