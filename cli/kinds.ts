// Resolves the kinds an author names on the command line (`Deployment`, `apps/v1/Deployment`) to {apiVersion, kind}.
import type { KindRef } from '../src/protocol/schemas.ts';
import { UsageError } from './command.ts';

/** Built-in kinds a reconciler commonly owns, by bare name; anything else is written `apiVersion/Kind`. */
const BUILT_IN: Readonly<Record<string, string>> = {
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  Pod: 'v1',
  PersistentVolumeClaim: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
};

const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const API_VERSION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;

/** Checks a kind name (`Website`): UpperCamelCase letters and digits. */
export function checkKind(kind: string, flag: string): string {
  if (!KIND.test(kind))
    throw new UsageError(`${flag} "${kind}" is not a kind: write it in UpperCamelCase, like Website`);
  return kind;
}

/** Checks an API version (`v1alpha1`, or `apps/v1` with `withGroup`). */
export function checkVersion(version: string, flag: string): string {
  if (!/^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version))
    throw new UsageError(`${flag} "${version}" is not an API version: write it like v1, v1alpha1 or v2beta3`);
  return version;
}

/** Checks an API group: a DNS subdomain with at least one dot (`examples.zeroloop.dev`). */
export function checkGroup(group: string, flag: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(group) || group.length > 253)
    throw new UsageError(
      `${flag} "${group}" is not an API group: use a lower-case DNS name with a dot, like examples.zeroloop.dev`,
    );
  return group;
}

/** One `--owns` entry: a built-in kind by name, or `apiVersion/Kind` (`v1/ConfigMap`, `apps/v1/Deployment`). */
export function resolveKind(text: string): KindRef {
  const slash = text.lastIndexOf('/');
  if (slash < 0) {
    const apiVersion = BUILT_IN[text];
    if (apiVersion === undefined)
      throw new UsageError(
        `--owns "${text}" is not a built-in kind the CLI knows: write it as apiVersion/Kind, like apps/v1/Deployment or example.com/v1/Widget`,
      );
    return { apiVersion, kind: text };
  }
  const apiVersion = text.slice(0, slash);
  const kind = checkKind(text.slice(slash + 1), '--owns');
  if (!API_VERSION.test(apiVersion))
    throw new UsageError(
      `--owns "${text}": "${apiVersion}" is not an API version: write apiVersion/Kind, like apps/v1/Deployment`,
    );
  return { apiVersion, kind };
}
