// Installs deploy/ the way `kubectl apply --server-side -k deploy` would, and gives the relay its ServiceAccount's identity.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { load, loadAll } from 'js-yaml';
import * as z from 'zod/mini';
import { KubeClient } from '../../relay/kube/client.ts';
import type { RestConfig } from '../../relay/kube/rest-config.ts';
import type { KObject } from '../../relay/kube/object.ts';
import { TEST_SECRET } from '../../worker/testing/requests.ts';
import type { TestKube } from './kube.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RELAY_NAMESPACE = 'zeroloop-system';
export const RELAY_SERVICE_ACCOUNT = 'zeroloop-relay';

const Kustomization = z.object({ resources: z.array(z.string()) });

/**
 * Applies every file of deploy/kustomization.yaml's `resources` (CRD, namespace, ServiceAccount, RBAC,
 * Deployment: with no kubelet here, the Deployment is stored and never runs), then the signing Secret
 * `worker-signing` holding the test worker's key. Idempotent: other test files may install it too.
 */
export async function installDeploy(kube: TestKube): Promise<KObject[]> {
  const dir = join(ROOT, 'deploy');
  const { resources } = Kustomization.parse(load(await readFile(join(dir, 'kustomization.yaml'), 'utf8')));
  const applied: KObject[] = [];
  for (const file of resources) applied.push(...(await kube.applyFile(join(dir, file))));
  applied.push(
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'worker-signing', namespace: RELAY_NAMESPACE },
      stringData: { secret: TEST_SECRET },
    }),
  );
  return applied;
}

const TokenRequestStatus = z.looseObject({ status: z.looseObject({ token: z.string() }) });

/** A token for the relay's ServiceAccount from the TokenRequest API, as the kubelet would project it. */
export async function relayToken(kube: TestKube, expirationSeconds = 3600): Promise<string> {
  const answer = await kube.client.request(
    'POST',
    `/api/v1/namespaces/${RELAY_NAMESPACE}/serviceaccounts/${RELAY_SERVICE_ACCOUNT}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds },
      },
    },
  );
  return TokenRequestStatus.parse(answer).status.token;
}

/**
 * Writes `token`, `ca.crt` and `namespace` into `dir`, as the kubelet mounts them at
 * /var/run/secrets/kubernetes.io/serviceaccount, and returns the relay's in-cluster environment.
 */
export async function inClusterEnv(
  admin: RestConfig,
  token: string,
  dir: string,
): Promise<Record<string, string>> {
  const server = new URL(admin.server);
  if (!admin.tls.ca) throw new Error('the control plane kubeconfig has no CA');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'token'), token);
  await writeFile(join(dir, 'ca.crt'), admin.tls.ca);
  await writeFile(join(dir, 'namespace'), RELAY_NAMESPACE);
  return {
    KUBERNETES_SERVICE_HOST: server.hostname,
    KUBERNETES_SERVICE_PORT: server.port || '443',
    ZEROLOOP_SERVICE_ACCOUNT_DIR: dir,
  };
}

/** A client acting as the relay's ServiceAccount (for access checks and real attempts). */
export function relayClient(admin: RestConfig, token: string): KubeClient {
  return new KubeClient({ server: admin.server, tls: admin.tls, auth: { type: 'token', token } });
}

/** `npx zeroloop manifests …` from the repo root, parsed: what the README tells a platform engineer to apply. */
export async function generatedManifests(args: readonly string[]): Promise<KObject[]> {
  const { stdout } = await promisify(execFile)('npx', ['zeroloop', 'manifests', ...args], { cwd: ROOT });
  return loadAll(stdout) as KObject[];
}

const AccessReview = z.looseObject({ status: z.looseObject({ allowed: z.boolean() }) });

/** What a SelfSubjectAccessReview answers for `client`'s identity. */
export async function canI(
  client: KubeClient,
  attributes: { verb: string; group?: string; resource: string; namespace?: string; name?: string },
): Promise<boolean> {
  const answer = await client.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { group: '', ...attributes } },
    },
  });
  return AccessReview.parse(answer).status.allowed;
}
