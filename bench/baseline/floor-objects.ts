// What the floor client writes for one Website: the objects and the status bench/baseline writes (children.go, status.go), as apply bodies.
import type { FloorCreated } from './floor-protocol.ts';

/**
 * test/support/relay-env.ts's WEBSITE, written out: importing that module would load the relay and the
 * worker harness into the floor's process and count their memory as the floor's.
 */
const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;

const DEFAULT_IMAGE = 'nginx:1.27-alpine';
const HTML_ROOT = '/usr/share/nginx/html';
/** corev1.ConfigMapVolumeSourceDefaultMode (0644). */
const CONFIGMAP_DEFAULT_MODE = 0o644;

/** One server-side apply: the request path (no read, no discovery) and the body. */
export interface FloorWrite {
  what: string;
  path: string;
  body: Record<string, unknown>;
}

const websitePath = (w: FloorCreated) =>
  `/apis/${WEBSITE.apiVersion}/namespaces/${encodeURIComponent(w.namespace)}/websites/${encodeURIComponent(w.name)}`;

/**
 * The writes for Website `w`, in the order the baseline makes them: ConfigMap `<name>-html` (when
 * there is HTML), Deployment `<name>`, Service `<name>` (when exposed; the benchmark's Websites are
 * not), then the first status the baseline writes, before its Deployment reports anything
 * (`RolloutInProgress`, `0/1 replicas ready`; lastTransitionTime the Website's creation, as the
 * baseline's first status stamps it). The floor reads nothing, so it writes no later status: on the
 * light plane (no Deployment controller) this is also the status the baseline ends with; on a plane
 * with workloads the controllers go on to write Ready from the Deployment, and the floor does not.
 */
export function floorWrites(w: FloorCreated): FloorWrite[] {
  const ns = encodeURIComponent(w.namespace);
  const labels = { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': w.name };
  const meta = (name: string) => ({
    name,
    namespace: w.namespace,
    labels,
    ownerReferences: [{ ...WEBSITE, name: w.name, uid: w.uid, controller: true, blockOwnerDeletion: true }],
  });
  const html = w.spec.html;
  const replicas = w.spec.replicas ?? 1;
  const exposed = w.spec.expose ?? true;
  const writes: FloorWrite[] = [];
  if (html !== undefined)
    writes.push({
      what: 'ConfigMap',
      path: `/api/v1/namespaces/${ns}/configmaps/${encodeURIComponent(`${w.name}-html`)}`,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: meta(`${w.name}-html`),
        data: { 'index.html': html },
      },
    });
  writes.push({
    what: 'Deployment',
    path: `/apis/apps/v1/namespaces/${ns}/deployments/${encodeURIComponent(w.name)}`,
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(w.name),
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'web',
                image: w.spec.image ?? DEFAULT_IMAGE,
                ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/', port: 'http' } },
                ...(html !== undefined && {
                  volumeMounts: [{ name: 'html', mountPath: HTML_ROOT, readOnly: true }],
                }),
              },
            ],
            ...(html !== undefined && {
              volumes: [
                {
                  name: 'html',
                  configMap: { name: `${w.name}-html`, defaultMode: CONFIGMAP_DEFAULT_MODE },
                },
              ],
            }),
          },
        },
      },
    },
  });
  if (exposed)
    writes.push({
      what: 'Service',
      path: `/api/v1/namespaces/${ns}/services/${encodeURIComponent(w.name)}`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(w.name),
        spec: {
          selector: labels,
          ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
        },
      },
    });
  writes.push({
    what: 'status',
    path: `${websitePath(w)}/status`,
    body: {
      ...WEBSITE,
      metadata: { name: w.name, namespace: w.namespace },
      status: {
        observedGeneration: w.generation,
        replicas,
        readyReplicas: 0,
        ...(exposed && { url: `http://${w.name}.${w.namespace}.svc.cluster.local` }),
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            observedGeneration: w.generation,
            lastTransitionTime: w.creationTimestamp,
            reason: 'RolloutInProgress',
            message: `0/${String(replicas)} replicas ready`,
          },
        ],
      },
    },
  });
  return writes;
}
