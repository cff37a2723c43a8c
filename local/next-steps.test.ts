// Tests of the hints npm start and zeroloop dev print: they name the running reconcilers' kinds and the namespace of their samples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextSteps, type NextStepsInput } from './next-steps.ts';

const base: NextStepsInput = {
  kubeconfigPath: '/tmp/kubeconfig',
  embedded: true,
  nodes: ['kwok-node-0'],
  metricsUrl: 'http://127.0.0.1:1/metrics',
  livePageUrl: 'http://127.0.0.1:2/',
  workerUrl: 'http://127.0.0.1:3',
  logFile: '/tmp/x.log',
  workerLogFile: '/tmp/x.worker.log',
  namespace: 'team-ns',
  samples: ['Memcached team-ns/memcached-sample'],
  primaries: [{ kind: 'Memcached', plural: 'memcacheds' }],
  owned: ['deployments'],
  allNamespaces: true,
};

test('next steps for zeroloop dev memcached name memcacheds and the samples namespace, never the examples', () => {
  const text = nextSteps(base);
  assert.match(text, /^ {2}kubectl -n team-ns get memcacheds,deployments,pods$/m);
  assert.match(text, /^ {2}kubectl get memcacheds --all-namespaces {3}# every namespace is watched$/m);
  assert.match(text, /^ {2}kubectl -n team-ns get memcacheds memcached-sample -o yaml -w$/m);
  assert.match(text, /watch every namespace of this cluster \(samples in team-ns\); its fake nodes/);
  assert.doesNotMatch(text, /websites|databases|zeroloop-demo/);
});

test('on a given cluster the hints say only the namespace given is watched', () => {
  const text = nextSteps({ ...base, embedded: false, nodes: [], allNamespaces: false, context: 'prod' });
  assert.match(text, /^ {2}kubectl --context prod -n team-ns get memcacheds,deployments,pods$/m);
  assert.doesNotMatch(text, /--all-namespaces/);
  assert.match(text, /watch only namespace team-ns \(a cluster you gave/);
});

test('npm start with the examples keeps their own hints', () => {
  const text = nextSteps({
    ...base,
    namespace: 'zeroloop-demo',
    samples: ['Website zeroloop-demo/hello', 'Database zeroloop-demo/orders'],
    primaries: [
      { kind: 'Website', plural: 'websites' },
      { kind: 'Database', plural: 'databases' },
    ],
    owned: ['deployments', 'services', 'statefulsets'],
  });
  assert.match(text, /-n zeroloop-demo get websites,databases,deployments,services,statefulsets,pods$/m);
  assert.match(text, /patch website hello/);
  assert.match(text, /delete pod orders-1/);
});
