// When a Website's status says Ready from its Deployment, and when a Deployment is available: the predicates the compare benchmark's observer times.
import * as z from 'zod/mini';
import type { KObject } from '../../relay/kube/object.ts';

/**
 * The reason both website reconcilers (reconcilers/website/src/index.ts and bench/baseline/status.go)
 * give Ready=True, and only when the Deployment they read reports the current generation observed
 * (status.observedGeneration ≥ metadata.generation) with readyReplicas and updatedReplicas at least
 * spec.replicas. No other reason is True: DeploymentPending and RolloutInProgress are False.
 */
export const READY_FROM_DEPLOYMENT_REASON = 'ReplicasReady';

const Condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.optional(z.string()),
  observedGeneration: z.optional(z.number()),
});

const WebsiteStatus = z.looseObject({
  metadata: z.looseObject({ generation: z.optional(z.number()) }),
  status: z.optional(
    z.looseObject({
      observedGeneration: z.optional(z.number()),
      replicas: z.optional(z.number()),
      readyReplicas: z.optional(z.number()),
      conditions: z.optional(z.array(Condition)),
    }),
  ),
});

/**
 * True when `website`'s status says Ready from its Deployment: the Ready condition is True with reason
 * ReplicasReady, it and the status were written for the Website's current generation, and the status's
 * readyReplicas (copied from the Deployment) reach its replicas. A status a client writes without
 * reading the Deployment (the floor's RolloutInProgress) is never this.
 */
export function readyFromDeployment(website: KObject): boolean {
  const parsed = WebsiteStatus.safeParse(website);
  if (!parsed.success) return false;
  const generation = parsed.data.metadata.generation;
  const status = parsed.data.status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  if (status === undefined || ready === undefined || generation === undefined) return false;
  return (
    ready.status === 'True' &&
    ready.reason === READY_FROM_DEPLOYMENT_REASON &&
    ready.observedGeneration === generation &&
    status.observedGeneration === generation &&
    status.replicas !== undefined &&
    (status.readyReplicas ?? 0) >= status.replicas
  );
}

const DeploymentStatus = z.looseObject({
  metadata: z.looseObject({ generation: z.optional(z.number()) }),
  spec: z.optional(z.looseObject({ replicas: z.optional(z.number()) })),
  status: z.optional(
    z.looseObject({
      observedGeneration: z.optional(z.number()),
      readyReplicas: z.optional(z.number()),
      updatedReplicas: z.optional(z.number()),
    }),
  ),
});

/**
 * True when the Deployment controller reports `deployment` rolled out: it observed the current
 * generation and readyReplicas and updatedReplicas reach spec.replicas (default 1). This is exactly
 * when a website reconciler that reads it may say ReplicasReady.
 */
export function deploymentAvailable(deployment: KObject): boolean {
  const parsed = DeploymentStatus.safeParse(deployment);
  if (!parsed.success) return false;
  const { metadata, spec, status } = parsed.data;
  const replicas = spec?.replicas ?? 1;
  return (
    status?.observedGeneration !== undefined &&
    metadata.generation !== undefined &&
    status.observedGeneration >= metadata.generation &&
    (status.readyReplicas ?? 0) >= replicas &&
    (status.updatedReplicas ?? 0) >= replicas
  );
}
