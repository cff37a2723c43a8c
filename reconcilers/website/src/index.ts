// The `website` reconciler: a Website becomes a Deployment serving its HTML, a Service and a ConfigMap.
import {
  countOf,
  defineReconciler,
  kinds,
  normal,
  object,
  previousCondition,
  SpecReader,
  warning,
  type JsonObject,
  type KubeObject,
  type Request,
  type Result,
} from '../../sdk/index.ts';

export const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;
const DEFAULT_IMAGE = 'nginx:1.27-alpine';
const HTML_ROOT = '/usr/share/nginx/html';
/** A ConfigMap holds at most 1 MiB; leave room for its metadata. */
const MAX_HTML = 900 * 1024;

/** The Reconciler's `spec.config`: what a Website that does not say gets, and how far it may scale. */
export interface WebsiteConfig {
  /** The image of a Website without `spec.image`. */
  defaultImage: string;
  /** The most replicas a Website may ask for. */
  maxReplicas: number;
}

/** JSON Schema of `spec.config` (the relay validates it; `configOf` reads it again with defaults). */
export const CONFIG_SCHEMA: JsonObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    defaultImage: { type: 'string', minLength: 1, maxLength: 512, default: DEFAULT_IMAGE },
    maxReplicas: { type: 'integer', minimum: 0, maximum: 100, default: 100 },
  },
};

/** The config with its defaults; an err naming the field when it is out of bounds. */
function configOf(config: JsonObject | undefined): WebsiteConfig {
  const reader = new SpecReader({ config }, 'Reconciler website');
  const defaultImage = reader.string('defaultImage', {
    default: DEFAULT_IMAGE,
    minLength: 1,
    maxLength: 512,
  });
  const maxReplicas = reader.integer('maxReplicas', { default: 100, min: 0, max: 100 });
  reader.done();
  return { defaultImage, maxReplicas };
}

interface WebsiteSpec {
  image: string;
  replicas: number;
  /**
   * Served as index.html from a ConfigMap volume; without it the image's own page is served. New
   * content reaches running Pods through the volume (the kubelet refreshes it), without a restart.
   */
  html: string | undefined;
  /** Whether a Service exposes the site; default true. */
  expose: boolean;
}

function specOf(req: Request<WebsiteConfig>): WebsiteSpec {
  const spec = new SpecReader(req.primary, `Website ${req.key}`);
  const image = spec.string('image', { default: req.config.defaultImage, minLength: 1, maxLength: 512 });
  const replicas = spec.integer('replicas', { default: 1, min: 0, max: req.config.maxReplicas });
  const html = spec.string('html', { maxLength: MAX_HTML });
  const expose = spec.boolean('expose', { default: true });
  spec.done();
  return { image, replicas, html, expose };
}

function children(req: Request<WebsiteConfig>, spec: WebsiteSpec): KubeObject[] {
  const { name, namespace } = req.primary.metadata;
  const labels = { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': name };
  const htmlName = `${name}-html`;
  const desired: KubeObject[] = [];
  const pod: Record<string, unknown> = {
    containers: [
      {
        name: 'web',
        image: spec.image,
        ports: [{ name: 'http', containerPort: 80 }],
        readinessProbe: { httpGet: { path: '/', port: 'http' } },
        ...(spec.html === undefined
          ? {}
          : { volumeMounts: [{ name: 'html', mountPath: HTML_ROOT, readOnly: true }] }),
      },
    ],
  };
  if (spec.html !== undefined) {
    pod.volumes = [{ name: 'html', configMap: { name: htmlName } }];
    desired.push(
      object(kinds.ConfigMap, { name: htmlName, namespace, labels }, { data: { 'index.html': spec.html } }),
    );
  }
  desired.push(
    object(
      kinds.Deployment,
      { name, namespace, labels },
      {
        spec: {
          replicas: spec.replicas,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: pod },
        },
      },
    ),
  );
  if (spec.expose) {
    desired.push(
      object(
        kinds.Service,
        { name, namespace, labels },
        { spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
      ),
    );
  }
  return desired;
}

function reconcileWebsite(req: Request<WebsiteConfig>): Result {
  if (req.finalizing) return { finalized: true }; // no finalizer is asked for; nothing to tear down
  const spec = specOf(req);
  const { name, namespace } = req.primary.metadata;
  const deployment = req.owned.get(kinds.Deployment, name);
  const readyReplicas = countOf(deployment, 'status', 'readyReplicas');
  const updated = countOf(deployment, 'status', 'updatedReplicas');
  const current =
    deployment !== undefined &&
    countOf(deployment, 'status', 'observedGeneration') >= countOf(deployment, 'metadata', 'generation');
  const ready = current && readyReplicas >= spec.replicas && updated >= spec.replicas;
  const condition = !deployment
    ? req.condition('Ready', 'False', 'DeploymentPending', `Deployment ${name} does not exist yet`)
    : ready
      ? req.condition('Ready', 'True', 'ReplicasReady', `${readyReplicas}/${spec.replicas} replicas ready`)
      : req.condition(
          'Ready',
          'False',
          'RolloutInProgress',
          `${readyReplicas}/${spec.replicas} replicas ready`,
        );
  const status: Record<string, unknown> = { replicas: spec.replicas, readyReplicas, conditions: [condition] };
  if (typeof req.primary.metadata.generation === 'number')
    status.observedGeneration = req.primary.metadata.generation;
  if (spec.expose) status.url = `http://${name}.${namespace ?? 'default'}.svc.cluster.local`;
  // An event only when Ready flips, so repeated reconciles of the same state record nothing new.
  const before = previousCondition(req.primary, 'Ready')?.status;
  const events =
    before === condition.status
      ? []
      : condition.status === 'True'
        ? [normal('Ready', `Website ${req.key} is ready: ${condition.message}`)]
        : before === 'True'
          ? [warning('NotReady', `Website ${req.key} is not ready: ${condition.message}`)]
          : [];
  return { desired: children(req, spec), status, events };
}

export const { describe, reconcile } = defineReconciler({
  describe: {
    name: 'website',
    version: '0.1.0',
    primary: WEBSITE,
    owns: [kinds.Deployment, kinds.Service, kinds.ConfigMap],
    reads: [],
    finalizer: false,
    configSchema: CONFIG_SCHEMA,
  },
  config: configOf,
  reconcile: reconcileWebsite,
});
