// Holds one release's versions together: every package, the chart, the Deployment's image tag and kustomize's tag agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseVersions } from './versions.ts';

test('a release should state one version for every package, the chart and the relay image', async () => {
  const versions = await releaseVersions();
  const [first, ...others] = Object.values(versions.packages);
  assert.ok(first !== undefined && /^0\.\d+\.\d+$/.test(first), `semver 0.x, got ${String(first)}`);
  for (const [name, version] of Object.entries(versions.packages)) assert.equal(version, first, name);
  assert.equal(others.length, 5);
  assert.deepEqual(versions.chart, { version: first, appVersion: first });
  assert.equal(versions.deploymentImage, `ghcr.io/zeroloop/relay:${first}`);
  assert.equal(versions.kustomizeTag, first);
  assert.match(versions.wit, /^zeroloop:reconciler@0\.\d+\.\d+$/);
  assert.ok(Number.isInteger(versions.protocol) && versions.protocol >= 1);
});
