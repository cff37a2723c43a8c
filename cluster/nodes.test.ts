// Unit tests of the fake nodes: the node count check (a typed error before anything starts) and the Node shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAKE_NODE_ANNOTATION, kwokArgs, layout } from './components.ts';
import { startControlPlane } from './controlplane.ts';
import { InvalidControlPlaneOption } from './errors.ts';
import { checkNodeCount, fakeNode } from './nodes.ts';

test('checkNodeCount should accept 1 to 100 and refuse the rest with a typed error', () => {
  assert.equal(checkNodeCount(1), 1);
  assert.equal(checkNodeCount(100), 100);
  for (const bad of [0, -1, 2.5, 101, Number.NaN]) {
    assert.throws(
      () => checkNodeCount(bad),
      (error: unknown) => {
        assert.ok(error instanceof InvalidControlPlaneOption);
        assert.match(error.message, new RegExp(`option nodes=${String(bad)}: `));
        assert.match(error.hint, /between 1 and 100/);
        return true;
      },
    );
  }
});

test('startControlPlane should refuse a bad node count before starting anything', async () => {
  // No binaries are passed: reaching the build would fail differently (or take minutes).
  await assert.rejects(startControlPlane({ workloads: true, nodes: 0 }), InvalidControlPlaneOption);
});

test('fakeNode should carry the annotation kwok manages and no taints', () => {
  const node = fakeNode('kwok-node-0');
  assert.equal(node.metadata.annotations[FAKE_NODE_ANNOTATION.key], FAKE_NODE_ANNOTATION.value);
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'kwok-node-0');
  assert.equal('spec' in node, false);
});

test('kwokArgs should select exactly the annotated nodes and load the three stage files', () => {
  const args = kwokArgs(layout('/tmp/x'));
  assert.ok(args.includes('--manage-all-nodes=false'));
  assert.ok(args.includes(`--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake`));
  assert.equal(
    args.filter((a) => /^--config=.*\/cluster\/kwok\/(node|pod|volume)-stages\.yaml$/.test(a)).length,
    3,
  );
});
