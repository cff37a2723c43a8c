// Loads how to reach the apiserver (client-go's rest.Config): from kubeconfig files or the in-cluster service account.
//
// The in-cluster path (ServiceAccount token and CA) is all this file runs in a Pod. A kubeconfig is
// read by kubeconfig.ts, imported only when one is used, by kubectl's rules: merged KUBECONFIG files,
// contexts, exec credential plugins, proxy-url and HTTPS_PROXY/NO_PROXY, tls-server-name, client
// certificates, tokens. Legacy auth providers are refused with what to use instead.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { ExecCredentialSource } from './exec-credential.ts';
import type { KubeconfigSelection } from './kubeconfig.ts';
import type { ProxyChoice } from './proxy.ts';

/** How requests authenticate; a `tokenFile` is re-read as it rotates (projected service account tokens). */
export type RestAuth =
  | { type: 'none' }
  | { type: 'token'; token: string }
  | { type: 'tokenFile'; path: string }
  | { type: 'basic'; username: string; password: string }
  /** A kubeconfig's exec plugin: its credential (a token and/or a client certificate) is refreshed on expiry and on 401. */
  | { type: 'exec'; credentials: ExecCredentialSource };

export interface RestTls {
  /** PEM bundle that verifies the server; undefined trusts the system CAs. */
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  insecureSkipVerify: boolean;
  serverName?: string | undefined;
}

/** Everything the KubeClient needs to reach one apiserver. */
export interface RestConfig {
  /** `https://host:port`, without a trailing slash. */
  server: string;
  tls: RestTls;
  auth: RestAuth;
  /** The context's namespace, if any (informational). */
  namespace?: string | undefined;
  /** The kubeconfig context it came from (informational). */
  context?: string | undefined;
  /** The proxy that reaches the server (the cluster's proxy-url, or HTTPS_PROXY unless NO_PROXY); none: direct. */
  proxy?: ProxyChoice | undefined;
}

/** The kubeconfig or service account could not be turned into a RestConfig; says which and what to do. */
export class RestConfigInvalid extends Error {
  override readonly name = 'RestConfigInvalid';
  /** The file or source that failed. */
  readonly source: string;
  constructor(source: string, problem: string, cause?: unknown) {
    super(`${source}: ${problem}`, { cause });
    this.source = source;
  }
}

function readFileOr(source: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new RestConfigInvalid(
      source,
      `cannot read ${path}; in a Pod, check that the service account is mounted`,
      error,
    );
  }
}

/** Options of the kubeconfig path (kubeconfig.ts's KubeconfigSelection, without the files). */
export type KubeconfigOptions = Omit<KubeconfigSelection, 'paths' | 'explicit'>;

/** Loads one kubeconfig file, as `--kubeconfig FILE` does (no merging). */
export async function loadKubeconfigFile(path: string, options: KubeconfigOptions = {}): Promise<RestConfig> {
  const { loadKubeconfig } = await import('./kubeconfig.ts');
  return loadKubeconfig({ ...options, paths: [path], explicit: true });
}

/** Loads a KUBECONFIG list (`a:b:c`), merged as kubectl merges it. */
export async function loadKubeconfigList(list: string, options: KubeconfigOptions = {}): Promise<RestConfig> {
  const { loadKubeconfig } = await import('./kubeconfig.ts');
  return loadKubeconfig({ ...options, paths: list.split(delimiter).filter((p) => p !== '') });
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster RestConfig: KUBERNETES_SERVICE_HOST/PORT, the service account's CA and (rotating) token. */
export function inClusterRestConfig(
  env: Readonly<Record<string, string | undefined>>,
  dir: string = SERVICE_ACCOUNT_DIR,
): RestConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new RestConfigInvalid(
      'in-cluster config',
      'KUBERNETES_SERVICE_HOST/PORT are not set; set KUBECONFIG when running outside a Pod',
    );
  const source = 'in-cluster config';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tls: { ca: readFileOr(source, join(dir, 'ca.crt')), insecureSkipVerify: false },
    auth: { type: 'tokenFile', path: join(dir, 'token') },
  };
}

/**
 * Where a test puts the in-cluster token and CA (a TokenRequest token outside a Pod); unset in a Pod,
 * where the kubelet mounts them at SERVICE_ACCOUNT_DIR.
 */
export const SERVICE_ACCOUNT_DIR_ENV = 'ZEROLOOP_SERVICE_ACCOUNT_DIR';

/**
 * The relay's RestConfig from its environment, as kubectl picks one: $KUBECONFIG (its files merged,
 * context $KUBECONTEXT or current-context), else the in-cluster service account when
 * KUBERNETES_SERVICE_HOST is set (its files in $ZEROLOOP_SERVICE_ACCOUNT_DIR if set), else
 * ~/.kube/config.
 */
export async function loadRestConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: Omit<KubeconfigOptions, 'context' | 'env'> = {},
): Promise<RestConfig> {
  const kubeconfig = { ...options, env, ...(env.KUBECONTEXT ? { context: env.KUBECONTEXT } : {}) };
  if (env.KUBECONFIG?.split(delimiter).some((p) => p !== '') === true)
    return loadKubeconfigList(env.KUBECONFIG, kubeconfig);
  if (env.KUBERNETES_SERVICE_HOST) {
    const dir = env[SERVICE_ACCOUNT_DIR_ENV];
    return inClusterRestConfig(env, dir !== undefined && dir !== '' ? dir : SERVICE_ACCOUNT_DIR);
  }
  return loadKubeconfigList(join(env.HOME ?? homedir(), '.kube', 'config'), kubeconfig);
}

/** A copy of `config` that talks to `server` instead (tests route the relay through a proxy). */
export function withServer(config: RestConfig, server: string): RestConfig {
  return { ...config, server: server.replace(/\/+$/, '') };
}
