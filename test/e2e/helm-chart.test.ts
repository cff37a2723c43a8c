// E2e: the Helm chart with the real helm (built from Go modules): lint, the same objects as the kustomization by default, monitoring objects following the cluster's CRDs, and every object of a fully-optioned render accepted by the real apiserver (server-side dry-run).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { load, loadAll } from 'js-yaml';
import type { Helm } from '../../deploy/helm/tool/build.ts';
import { ensureHelm } from '../../deploy/helm/tool/build.ts';
import { objectPath } from '../../relay/kube/discovery.ts';
import { KObject } from '../../relay/kube/object.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { TestKube } from '../support/kube.ts';
import { objectId, renderPlainKustomization } from '../support/kustomization.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy', import.meta.url));
const CHART = fileURLToPath(new URL('../../deploy/helm/zeroloop', import.meta.url));
const SERVICE_MONITOR_CRD = new URL('../fixtures/crds/servicemonitor.yaml', import.meta.url);
const PROMETHEUS_RULE_CRD = new URL('../fixtures/crds/prometheusrule.yaml', import.meta.url);
const DASHBOARD = new URL('../../deploy/grafana/zeroloop-relay.json', import.meta.url);
const RULES = new URL('../../deploy/prometheus/zeroloop-rules.yaml', import.meta.url);
/** What `helm template` is told the cluster serves, as discovery tells `helm install`. */
const OPERATOR_APIS = ['ServiceMonitor', 'PrometheusRule'].flatMap((k) => [
  '--api-versions',
  `monitoring.coreos.com/v1/${k}`,
]);

let helm: Helm;
let kube: TestKube;
let kubeconfigPath: string;
const namespace = `zl-helm-${randomBytes(3).toString('hex')}`;
const installNamespace = `zl-helm-install-${randomBytes(3).toString('hex')}`;

/** Every option of the chart turned on or changed, as a platform team's values file would. */
const ALL_OPTIONS = [
  'namespace.create=true',
  `name=${namespace}`,
  'image.repository=registry.example/zeroloop/relay',
  'image.tag=1.2.3',
  'image.pullPolicy=IfNotPresent',
  'replicas=3',
  'resources.requests.cpu=100m',
  'resources.limits.memory=1Gi',
  'signing.create=true',
  'signing.secret=not-a-real-key',
  'signing.keyId=k2',
  'metrics.service.enabled=true',
  'metrics.serviceMonitor.enabled=true',
  'metrics.serviceMonitor.labels.release=kube-prometheus-stack',
  'metrics.prometheusRule.enabled=true',
  'metrics.grafanaDashboard.enabled=true',
  'metrics.grafanaDashboard.annotations.grafana_folder=zeroloop',
  'rbac.extraRules[0].apiGroups[0]=',
  'rbac.extraRules[0].resources[0]=configmaps',
  'rbac.extraRules[0].verbs[0]=get',
  'nodeSelector.kubernetes\\.io/os=linux',
  'tolerations[0].key=dedicated',
  'tolerations[0].operator=Exists',
];

before(async () => {
  // Built on first use (a few minutes), then cached in ~/.cache/zeroloop/helm-<version>-<hash>/.
  helm = await ensureHelm();
  const plane = await sharedControlPlane();
  kube = new TestKube(plane.restConfig);
  kubeconfigPath = plane.kubeconfigPath;
});
after(async () => {
  await kube.delete('v1', 'Namespace', undefined, namespace);
  await kube.delete('v1', 'Namespace', undefined, installNamespace);
});

async function runHelm(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(helm.path, args, {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, KUBECONFIG: kubeconfigPath },
  });
  return stdout;
}

async function template(ns: string, sets: string[], extra: string[] = []): Promise<KObject[]> {
  const out = await runHelm([
    'template',
    'zeroloop',
    CHART,
    '--namespace',
    ns,
    '--include-crds',
    ...sets.flatMap((s) => ['--set', s]),
    ...extra,
  ]);
  return loadAll(out)
    .filter((d) => d !== null && d !== undefined)
    .map((d) => KObject.parse(d));
}

const byId = (objects: KObject[]) => [...objects].sort((a, b) => objectId(a).localeCompare(objectId(b)));

test('helm lint accepts the chart with default values and with every option', async () => {
  await runHelm(['lint', CHART]);
  await runHelm(['lint', CHART, ...ALL_OPTIONS.flatMap((s) => ['--set', s])]);
});

test('with default values the chart renders exactly the objects of the kustomization', async () => {
  const kustomized = await renderPlainKustomization(DEPLOY);
  const charted = await template('zeroloop-system', ['namespace.create=true']);
  assert.deepEqual(byId(charted).map(objectId), byId(kustomized).map(objectId));
  assert.deepEqual(byId(charted), byId(kustomized));
  console.log(`helm chart: ${charted.length} objects with default values, the same as the kustomization`);
});

test('the chart refuses several replicas without leader election, and a created Secret without its key', async () => {
  await assert.rejects(
    template('zeroloop-system', ['leaderElection.enabled=false']),
    /replicas > 1 needs leaderElection.enabled=true/,
  );
  const single = await template('zeroloop-system', ['leaderElection.enabled=false', 'replicas=1']);
  assert.ok(
    !single.some((o) => o.metadata.name.endsWith('-leader-election')),
    'no Lease RBAC without election',
  );
  await assert.rejects(template('zeroloop-system', ['signing.create=true']), /needs signing.secret/);
});

test('the metrics Service is on by default; ServiceMonitor and PrometheusRule follow the cluster unless set', async () => {
  const kindsOf = async (sets: string[], extra: string[] = []) =>
    (await template('zeroloop-system', sets, extra))
      .map((o) => o.kind)
      .filter((k) => k !== 'CustomResourceDefinition');
  const plain = await kindsOf([]);
  assert.ok(plain.includes('Service'), 'a metrics Service by default');
  for (const kind of ['ServiceMonitor', 'PrometheusRule', 'ConfigMap'])
    assert.ok(!plain.includes(kind), `no ${kind} where the cluster does not serve it`);
  const operator = await kindsOf([], OPERATOR_APIS);
  for (const kind of ['ServiceMonitor', 'PrometheusRule'])
    assert.ok(operator.includes(kind), `a ${kind} where monitoring.coreos.com/v1 serves it`);
  const off = await kindsOf(
    ['metrics.serviceMonitor.enabled=false', 'metrics.prometheusRule.enabled=false'],
    OPERATOR_APIS,
  );
  assert.ok(!off.includes('ServiceMonitor') && !off.includes('PrometheusRule'), 'false turns them off');
  const forced = await kindsOf([
    'metrics.serviceMonitor.enabled=true',
    'metrics.prometheusRule.enabled=true',
  ]);
  assert.ok(
    forced.includes('ServiceMonitor') && forced.includes('PrometheusRule'),
    'true renders them anyway',
  );
  const noService = await kindsOf(['metrics.service.enabled=false'], OPERATOR_APIS);
  assert.ok(
    !noService.includes('Service') && !noService.includes('ServiceMonitor'),
    'auto skips a ServiceMonitor without Service',
  );
  await assert.rejects(
    template('zeroloop-system', ['metrics.service.enabled=false', 'metrics.serviceMonitor.enabled=true']),
    /metrics.serviceMonitor.enabled=true needs metrics.service.enabled=true/,
  );
  await assert.rejects(
    template('zeroloop-system', ['metrics.prometheusRule.enabled=maybe']),
    /must be true, false or auto, not "maybe"/,
  );
});

test('the chart ships the same dashboard and alerting rules as deploy/grafana and deploy/prometheus', async () => {
  const objects = await template('zeroloop-system', ['metrics.grafanaDashboard.enabled=true'], OPERATOR_APIS);
  const dashboard = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'zeroloop-relay-dashboard',
  );
  assert.equal(dashboard?.metadata.labels?.grafana_dashboard, '1', "Grafana's sidecar label");
  const data = (dashboard as { data?: Record<string, string> } | undefined)?.data ?? {};
  assert.deepEqual(
    JSON.parse(data['zeroloop-relay.json'] ?? 'null'),
    JSON.parse(await readFile(DASHBOARD, 'utf8')),
  );
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  assert.deepEqual((rule as { spec?: unknown } | undefined)?.spec, load(await readFile(RULES, 'utf8')));
});

test('every object the chart renders with all options is accepted by the apiserver (server-side dry-run)', async () => {
  const objects = await template(namespace, ALL_OPTIONS);
  const kinds = objects.map((o) => o.kind);
  for (const kind of [
    'Service',
    'ServiceMonitor',
    'PrometheusRule',
    'ConfigMap',
    'Secret',
    'PodDisruptionBudget',
    'Deployment',
  ])
    assert.ok(kinds.includes(kind), `renders a ${kind}`);
  // CRDs first and for real: a dry-run of a custom resource needs its CRD served. The namespace
  // too, since a namespaced dry-run needs it to exist. They stay: the install below finds them.
  await kube.applyFile(SERVICE_MONITOR_CRD);
  await kube.applyFile(PROMETHEUS_RULE_CRD);
  await kube.established('servicemonitors.monitoring.coreos.com');
  await kube.established('prometheusrules.monitoring.coreos.com');
  const real = objects.filter((o) => o.kind === 'CustomResourceDefinition' || o.kind === 'Namespace');
  for (const o of real) await kube.apply(o);
  for (const o of real) if (o.kind === 'CustomResourceDefinition') await kube.established(o.metadata.name);
  for (const o of objects.filter((x) => !real.includes(x))) {
    const r = await kube.resource(o.apiVersion, o.kind);
    const answer = KObject.parse(
      await kube.client.request('PATCH', objectPath(r, o.metadata.namespace, o.metadata.name), {
        query: { fieldManager: 'helm-chart-test', dryRun: 'All' },
        body: o,
        contentType: 'application/apply-patch+yaml',
      }),
    );
    assert.equal(answer.metadata.name, o.metadata.name);
  }
  console.log(
    `helm chart with all options: ${objects.length} objects (${[...new Set(kinds)].join(', ')}), all accepted by a server-side dry-run`,
  );
});

test('helm install, as the README shows it, installs the relay; helm uninstall removes it', async () => {
  // The README's command, in a throwaway namespace and with a unique name (ClusterRoles are cluster-wide).
  await runHelm([
    'install',
    'zeroloop',
    CHART,
    '--namespace',
    installNamespace,
    '--create-namespace',
    '--set',
    'signing.create=true',
    '--set',
    'signing.secret=not-a-real-key',
    '--set',
    `name=${installNamespace}`,
  ]);
  const deployment = await kube.get('apps/v1', 'Deployment', installNamespace, installNamespace);
  assert.equal((deployment?.spec as { replicas?: number } | undefined)?.replicas, 2);
  assert.ok(await kube.get('v1', 'Secret', installNamespace, 'worker-signing'));
  assert.ok(await kube.get('policy/v1', 'PodDisruptionBudget', installNamespace, installNamespace));
  assert.ok(await kube.get('v1', 'Service', installNamespace, `${installNamespace}-metrics`));
  // The CRDs applied above are served, so the defaults ("auto") installed both.
  assert.ok(await kube.get('monitoring.coreos.com/v1', 'ServiceMonitor', installNamespace, installNamespace));
  assert.ok(await kube.get('monitoring.coreos.com/v1', 'PrometheusRule', installNamespace, installNamespace));
  assert.ok(
    await kube.get(
      'rbac.authorization.k8s.io/v1',
      'Role',
      installNamespace,
      `${installNamespace}-leader-election`,
    ),
  );
  await runHelm(['uninstall', 'zeroloop', '--namespace', installNamespace]);
  assert.equal(await kube.get('apps/v1', 'Deployment', installNamespace, installNamespace), undefined);
  assert.equal(
    await kube.get('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, installNamespace),
    undefined,
  );
});
