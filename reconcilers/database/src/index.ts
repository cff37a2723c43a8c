// The `database` reconciler (the Percona case without polling): a replicated database whose readiness is read from Pods it watches, not polls.
import {
  defineReconciler,
  hasTrueCondition,
  kinds,
  normal,
  object,
  pathOf,
  previousCondition,
  selectByLabels,
  SpecReader,
  type Condition,
  type KubeObject,
  type Request,
  type Result,
} from '../../sdk/index.ts';

export const DATABASE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Database' } as const;
const DEFAULT_IMAGE = 'percona/percona-server-mongodb:7.0';
const PORT = 27017;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

interface DatabaseSpec {
  members: number;
  image: string;
  /** The size of each member's data volume, a Kubernetes quantity. */
  storage: string;
}

function specOf(req: Request): DatabaseSpec {
  const spec = new SpecReader(req.primary, `Database ${req.key}`);
  const members = spec.integer('members', { required: true, min: 1, max: 7 });
  const image = spec.string('image', { default: DEFAULT_IMAGE, minLength: 1, maxLength: 512 });
  const storage = spec.string('storage', { default: '1Gi', pattern: QUANTITY });
  spec.done();
  return { members, image, storage };
}

/** The labels on every Pod of this database; the related selector matches them. */
function podLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'database', 'app.kubernetes.io/instance': name };
}

function children(req: Request, spec: DatabaseSpec): KubeObject[] {
  const { name, namespace } = req.primary.metadata;
  const labels = podLabels(name);
  const config = `${name}-config`;
  const mongodConf = [
    'net:',
    `  port: ${PORT}`,
    '  bindIpAll: true',
    'replication:',
    `  replSetName: ${name}`,
    'storage:',
    '  dbPath: /data/db',
    '',
  ].join('\n');
  return [
    object(kinds.ConfigMap, { name: config, namespace, labels }, { data: { 'mongod.conf': mongodConf } }),
    object(
      kinds.Service,
      { name, namespace, labels },
      {
        spec: {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          selector: labels,
          ports: [{ name: 'mongodb', port: PORT, targetPort: PORT }],
        },
      },
    ),
    object(
      kinds.StatefulSet,
      { name, namespace, labels },
      {
        spec: {
          serviceName: name,
          replicas: spec.members,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'mongod',
                  image: spec.image,
                  args: ['--config', '/etc/mongod/mongod.conf'],
                  ports: [{ name: 'mongodb', containerPort: PORT }],
                  readinessProbe: { tcpSocket: { port: PORT } },
                  volumeMounts: [
                    { name: 'config', mountPath: '/etc/mongod', readOnly: true },
                    { name: 'data', mountPath: '/data/db' },
                  ],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: config } }],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: spec.storage } } },
            },
          ],
        },
      },
    ),
  ];
}

/** Ready members: related Pods of this database, in its namespace, not terminating, with Ready=True. */
function readyMembers(req: Request): number {
  const labels = podLabels(req.primary.metadata.name);
  const namespace = req.primary.metadata.namespace;
  return req.related
    .ofKind(kinds.Pod)
    .filter(
      (pod) =>
        pod.metadata.namespace === namespace &&
        pod.metadata.deletionTimestamp === undefined &&
        Object.entries(labels).every(([k, v]) => pathOf(pod, 'metadata', 'labels', k) === v) &&
        hasTrueCondition(pod, 'Ready'),
    ).length;
}

/** Ordered teardown: nothing is desired any more; done once the StatefulSet (and so its Pods' owner) is gone. */
function finalize(req: Request): Result {
  const name = req.primary.metadata.name;
  const gone = !req.owned.has(kinds.StatefulSet, name);
  const ready = readyMembers(req);
  const condition = req.condition(
    'Ready',
    'False',
    'Terminating',
    gone ? `StatefulSet ${name} is gone` : `waiting for StatefulSet ${name} to be deleted`,
  );
  const wasTerminating = previousCondition(req.primary, 'Ready')?.reason === 'Terminating';
  const events = gone
    ? [normal('Finalized', `Database ${req.key}: StatefulSet ${name} is gone, teardown complete`)]
    : wasTerminating
      ? []
      : [
          normal(
            'Terminating',
            `Database ${req.key}: tearing down, waiting for StatefulSet ${name} to be deleted`,
          ),
        ];
  return {
    desired: [],
    // The spec is not read here: an invalid spec must not block deletion.
    status: { ...statusBase(req), readyMembers: ready, conditions: [condition] },
    related: [selectByLabels(kinds.Pod, podLabels(name))],
    finalized: gone,
    events,
  };
}

function statusBase(req: Request): Record<string, unknown> {
  const previous = pathOf(req.primary, 'status');
  const base: Record<string, unknown> = {};
  const members = pathOf(previous, 'members');
  if (typeof members === 'number') base.members = members;
  const generation = req.primary.metadata.generation;
  if (typeof generation === 'number') base.observedGeneration = generation;
  return base;
}

function reconcileDatabase(req: Request): Result {
  if (req.finalizing) return finalize(req);
  const spec = specOf(req);
  const name = req.primary.metadata.name;
  const ready = readyMembers(req);
  let condition: Condition;
  if (!req.owned.has(kinds.StatefulSet, name)) {
    condition = req.condition(
      'Ready',
      'False',
      'StatefulSetPending',
      `StatefulSet ${name} does not exist yet`,
    );
  } else if (ready >= spec.members) {
    condition = req.condition('Ready', 'True', 'AllMembersReady', `${ready}/${spec.members} members ready`);
  } else {
    condition = req.condition('Ready', 'False', 'MembersNotReady', `${ready}/${spec.members} members ready`);
  }
  // The relay could not write the previous answer (a quota, an admission webhook, a conflict): say so on
  // the Database itself, with the apiserver's message, rather than a Ready that hides why nothing changes.
  // The next reconcile after a write that applies clears it.
  if (req.lastWrite.state === 'failed') {
    condition = req.condition(
      'Ready',
      'False',
      'WriteFailed',
      `the relay's ${req.lastWrite.step} of the desired state failed: ${req.lastWrite.message}`,
    );
  }
  const before = previousCondition(req.primary, 'Ready')?.status;
  const events =
    before !== condition.status && condition.status === 'True'
      ? [normal('Ready', `Database ${req.key} is ready: ${condition.message}`)]
      : [];
  return {
    desired: children(req, spec),
    status: {
      ...statusBase(req),
      members: spec.members,
      readyMembers: ready,
      ready: `${ready}/${spec.members}`,
      conditions: [condition],
    },
    related: [selectByLabels(kinds.Pod, podLabels(name))],
    events,
  };
}

export const { describe, reconcile } = defineReconciler({
  describe: {
    name: 'database',
    version: '0.1.0',
    primary: DATABASE,
    owns: [kinds.StatefulSet, kinds.Service, kinds.ConfigMap],
    reads: [kinds.Pod],
    finalizer: true,
  },
  reconcile: reconcileDatabase,
});
