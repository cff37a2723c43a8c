// The starting body of the object a scaffolded reconciler writes, per owned kind, rendered as TypeScript and as Go.
import type { KindRef } from '../src/protocol/schemas.ts';

/** A value of the reconciler's code in scope where the body is built: the primary's name, its labels, spec.message. */
export type StarterVariable = 'name' | 'labels' | 'message';

/** A JSON-like tree whose leaves may be one of the scaffold's variables. */
export type StarterValue =
  | string
  | number
  | boolean
  | { readonly $var: StarterVariable }
  | readonly StarterValue[]
  | { readonly [key: string]: StarterValue };

const v = (name: StarterVariable) => ({ $var: name }) as const;

/** A container that says the message (a real image; the author replaces it). */
const container = { name: 'app', image: 'nginx:1.27', env: [{ name: 'MESSAGE', value: v('message') }] };
const podTemplate = { metadata: { labels: v('labels') }, spec: { containers: [container] } };
const jobTemplate = {
  spec: {
    template: {
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'app', image: 'busybox:1.36', command: ['echo', v('message')] }],
      },
    },
  },
};

/** Starting bodies of the built-in kinds `zeroloop new --owns` knows by name; valid as the apiserver checks them. */
const STARTERS: Readonly<Record<string, StarterValue>> = {
  'v1/ConfigMap': { data: { message: v('message') } },
  'v1/Secret': { stringData: { message: v('message') } },
  'v1/Service': {
    spec: { selector: v('labels'), ports: [{ name: 'http', port: 80, targetPort: 80 }] },
  },
  'v1/ServiceAccount': {},
  'v1/Pod': { spec: { containers: [container] } },
  'v1/PersistentVolumeClaim': {
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  'apps/v1/Deployment': {
    spec: { replicas: 1, selector: { matchLabels: v('labels') }, template: podTemplate },
  },
  'apps/v1/StatefulSet': {
    spec: {
      replicas: 1,
      serviceName: v('name'),
      selector: { matchLabels: v('labels') },
      template: podTemplate,
    },
  },
  'apps/v1/DaemonSet': { spec: { selector: { matchLabels: v('labels') }, template: podTemplate } },
  'apps/v1/ReplicaSet': {
    spec: { replicas: 1, selector: { matchLabels: v('labels') }, template: podTemplate },
  },
  'batch/v1/Job': jobTemplate,
  'batch/v1/CronJob': { spec: { schedule: '0 * * * *', jobTemplate } },
  'policy/v1/PodDisruptionBudget': { spec: { minAvailable: 1, selector: { matchLabels: v('labels') } } },
};

/** The starting body for `kind`; a kind without a known shape (a CRD) gets `spec.message`. */
export function starterBody(kind: KindRef): StarterValue {
  return STARTERS[`${kind.apiVersion}/${kind.kind}`] ?? { spec: { message: v('message') } };
}

function isVariable(value: StarterValue): value is { readonly $var: StarterVariable } {
  return typeof value === 'object' && !Array.isArray(value) && '$var' in value;
}

const TS_VARIABLES: Readonly<Record<StarterVariable, string>> = {
  name: 'name',
  labels: 'labels',
  message: 'spec.message',
};

const tsString = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const tsKey = (key: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key));

/** A TypeScript expression; variables are `name`, `labels` and `spec.message`. */
export function starterTs(value: StarterValue): string {
  if (typeof value === 'string') return tsString(value);
  if (typeof value !== 'object') return String(value);
  if (isVariable(value)) return TS_VARIABLES[value.$var];
  if (Array.isArray(value)) return `[${value.map((item: StarterValue) => starterTs(item)).join(', ')}]`;
  const fields = Object.entries(value).map(([k, item]) =>
    isVariable(item) && TS_VARIABLES[item.$var] === k ? k : `${tsKey(k)}: ${starterTs(item)}`,
  );
  return `{ ${fields.join(', ')} }`;
}

/** A Go `map[string]any` literal; variables are `name`, `labels` (map[string]string) and `message`. */
export function starterGo(value: StarterValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object') return String(value);
  if (isVariable(value)) return value.$var;
  if (Array.isArray(value)) return `[]any{${value.map((item: StarterValue) => starterGo(item)).join(', ')}}`;
  const fields = Object.entries(value).map(([k, item]) => `${JSON.stringify(k)}: ${starterGo(item)}`);
  return `map[string]any{${fields.join(', ')}}`;
}
