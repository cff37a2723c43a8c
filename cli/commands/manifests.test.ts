// `npx zeroloop manifests` on the BUILT website and database components: the Reconciler and RBAC it prints, and its errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { loadAll } from 'js-yaml';
import type { CommandContext } from '../command.ts';
import { main } from '../main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  rules?: Rule[];
  subjects?: unknown[];
}

/** `npx zeroloop manifests …` from the repo root, as the README tells a platform engineer to run it. */
async function npxManifests(args: string[]): Promise<Doc[]> {
  const { stdout } = await run('npx', ['zeroloop', 'manifests', ...args], { cwd: ROOT });
  return loadAll(stdout) as Doc[];
}

/** Each resource's verbs, flattened from the rules: `apps/deployments` → verbs. */
function grants(rules: Rule[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rule of rules ?? [])
    for (const group of rule.apiGroups)
      for (const resource of rule.resources) out[`${group}/${resource}`] = rule.verbs;
  return out;
}

const OWN = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

test('zeroloop manifests website --namespace shop prints the Reconciler and a Role and RoleBinding in shop', async () => {
  const docs = await npxManifests([
    'website',
    '--worker-url',
    'https://worker.example',
    '--namespace',
    'shop',
    '--label',
    'team=web',
  ]);
  assert.deepEqual(
    docs.map((d) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`),
    [
      'Reconciler /website',
      'Role shop/zeroloop-reconciler-website',
      'RoleBinding shop/zeroloop-reconciler-website',
    ],
  );
  const [reconciler, role, binding] = docs;
  assert.deepEqual(reconciler?.spec, {
    reconciler: 'website',
    endpoint: 'https://worker.example',
    signingSecretRef: { namespace: 'zeroloop-system', name: 'worker-signing', key: 'secret' },
    primary: { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' },
    owns: [
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'v1', kind: 'Service' },
      { apiVersion: 'v1', kind: 'ConfigMap' },
    ],
    reads: [],
    finalizer: false,
    namespaces: ['shop'],
    config: { defaultImage: 'nginx:1.27-alpine', maxReplicas: 100 },
  });
  assert.equal(reconciler.metadata.labels?.team, 'web');
  assert.deepEqual(grants(role?.rules), {
    'examples.zeroloop.dev/websites': READ,
    'examples.zeroloop.dev/websites/status': ['patch'],
    'examples.zeroloop.dev/websites/finalizers': ['update'],
    'apps/deployments': OWN,
    '/services': OWN,
    '/configmaps': OWN,
  });
  assert.deepEqual(binding?.subjects, [
    { kind: 'ServiceAccount', name: 'zeroloop-relay', namespace: 'zeroloop-system' },
  ]);
});

test('zeroloop manifests database (all namespaces) prints a ClusterRole: patch on its primary for the finalizer, read on Pods', async () => {
  const docs = await npxManifests(['database', '--worker-url', 'http://worker.local:8787']);
  assert.deepEqual(
    docs.map((d) => d.kind),
    ['Reconciler', 'ClusterRole', 'ClusterRoleBinding'],
  );
  assert.equal(docs[0]?.spec?.finalizer, true);
  assert.equal(docs[0].spec.namespaces, undefined);
  assert.equal(docs[0].spec.config, undefined, 'database takes no configuration');
  assert.deepEqual(grants(docs[1]?.rules), {
    'examples.zeroloop.dev/databases': [...READ, 'patch'],
    'examples.zeroloop.dev/databases/status': ['patch'],
    'examples.zeroloop.dev/databases/finalizers': ['update'],
    'apps/statefulsets': OWN,
    '/services': OWN,
    '/configmaps': OWN,
    '/pods': READ,
  });
});

test('zeroloop manifests refuses bad input with a message and exit code 2, an unknown reconciler with exit 1', async () => {
  const out: string[] = [];
  const context: CommandContext = {
    cwd: ROOT,
    env: process.env,
    stdout: (t) => void out.push(t),
    stderr: (t) => void out.push(t),
  };
  assert.equal(await main(['manifests', 'website'], context), 2);
  assert.match(out.join(''), /--worker-url is required/);
  out.length = 0;
  assert.equal(
    await main(['manifests', 'website', '--worker-url', 'ftp://x', '--namespace', 'Shop'], context),
    2,
  );
  assert.match(out.join(''), /not an http\(s\) URL/);
  out.length = 0;
  assert.equal(
    await main(['manifests', 'website', '--worker-url', 'http://x', '--namespace', 'Shop'], context),
    2,
  );
  assert.match(out.join(''), /--namespace Shop is not a lowercase DNS label/);
  out.length = 0;
  assert.equal(await main(['manifests', 'nope', '--worker-url', 'http://x'], context), 1);
  assert.match(out.join(''), /no built reconciler "nope" \(built: database, website, website-go\)/);
});
