// Loads how to reach the apiserver (client-go's rest.Config): from a kubeconfig file or the in-cluster service account.
//
// Supported, because these are what the relay's deployments and tests use: bearer token (inline or
// tokenFile), client certificate/key, CA, insecure-skip-tls-verify, tls-server-name, basic auth.
// Exec plugins, auth providers and proxy-url are refused with a message that says what to use instead.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import * as z from 'zod/mini';

/** How requests authenticate; a `tokenFile` is re-read as it rotates (projected service account tokens). */
export type RestAuth =
  | { type: 'none' }
  | { type: 'token'; token: string }
  | { type: 'tokenFile'; path: string }
  | { type: 'basic'; username: string; password: string };

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

const Cluster = z.looseObject({
  server: z.string().check(z.minLength(1)),
  'certificate-authority': z.optional(z.string()),
  'certificate-authority-data': z.optional(z.string()),
  'insecure-skip-tls-verify': z.optional(z.boolean()),
  'tls-server-name': z.optional(z.string()),
  'proxy-url': z.optional(z.string()),
});
const User = z.looseObject({
  token: z.optional(z.string()),
  tokenFile: z.optional(z.string()),
  'client-certificate': z.optional(z.string()),
  'client-certificate-data': z.optional(z.string()),
  'client-key': z.optional(z.string()),
  'client-key-data': z.optional(z.string()),
  username: z.optional(z.string()),
  password: z.optional(z.string()),
  exec: z.optional(z.unknown()),
  'auth-provider': z.optional(z.unknown()),
});
const Context = z.looseObject({
  cluster: z.string(),
  user: z.optional(z.string()),
  namespace: z.optional(z.string()),
});
/** A kubeconfig document: only the fields the relay reads. */
export const Kubeconfig = z.looseObject({
  clusters: z.optional(z.nullable(z.array(z.looseObject({ name: z.string(), cluster: Cluster })))),
  users: z.optional(
    z.nullable(z.array(z.looseObject({ name: z.string(), user: z.optional(z.nullable(User)) }))),
  ),
  contexts: z.optional(z.nullable(z.array(z.looseObject({ name: z.string(), context: Context })))),
  'current-context': z.optional(z.string()),
});
type Kubeconfig = z.infer<typeof Kubeconfig>;

interface Source {
  /** Where the document came from, for messages. */
  name: string;
  /** Relative file references resolve against this directory. */
  dir: string;
}

function fileOrData(source: Source, file: string | undefined, data: string | undefined): Buffer | undefined {
  if (data !== undefined && data !== '') return Buffer.from(data, 'base64');
  if (file === undefined || file === '') return undefined;
  const path = isAbsolute(file) ? file : join(source.dir, file);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new RestConfigInvalid(source.name, `cannot read ${path}; fix the path in the kubeconfig`, error);
  }
}

/** The RestConfig of a parsed kubeconfig's current context. */
export function restConfigFromKubeconfig(doc: unknown, source: Source): RestConfig {
  const parsed = Kubeconfig.safeParse(doc);
  if (!parsed.success)
    throw new RestConfigInvalid(source.name, `not a kubeconfig: ${z.prettifyError(parsed.error)}`);
  const config: Kubeconfig = parsed.data;
  const contextName = config['current-context'];
  if (contextName === undefined || contextName === '')
    throw new RestConfigInvalid(source.name, 'no current-context; run `kubectl config use-context NAME`');
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new RestConfigInvalid(source.name, `current-context ${contextName} is not defined`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster)
    throw new RestConfigInvalid(
      source.name,
      `cluster ${context.cluster} of context ${contextName} is not defined`,
    );
  const userEntry =
    context.user === undefined ? undefined : config.users?.find((u) => u.name === context.user);
  if (context.user !== undefined && userEntry === undefined)
    throw new RestConfigInvalid(source.name, `user ${context.user} of context ${contextName} is not defined`);
  const user = userEntry?.user ?? undefined;
  if (cluster['proxy-url'] !== undefined)
    throw new RestConfigInvalid(source.name, 'proxy-url is not supported; reach the apiserver directly');
  if (user?.exec !== undefined || user?.['auth-provider'] !== undefined)
    throw new RestConfigInvalid(
      source.name,
      `user ${context.user ?? ''} uses an exec plugin or auth provider, which the relay does not run; ` +
        'give it a token (e.g. `kubectl create token`) or a client certificate, or run the relay in-cluster',
    );
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls: {
      ca: fileOrData(source, cluster['certificate-authority'], cluster['certificate-authority-data']),
      cert: fileOrData(source, user?.['client-certificate'], user?.['client-certificate-data']),
      key: fileOrData(source, user?.['client-key'], user?.['client-key-data']),
      insecureSkipVerify: cluster['insecure-skip-tls-verify'] ?? false,
      serverName: cluster['tls-server-name'],
    },
    auth: authOf(source, user),
    namespace: context.namespace,
  };
}

function authOf(source: Source, user: z.infer<typeof User> | null | undefined): RestAuth {
  if (user?.token !== undefined && user.token !== '') return { type: 'token', token: user.token };
  if (user?.tokenFile !== undefined && user.tokenFile !== '')
    return {
      type: 'tokenFile',
      path: isAbsolute(user.tokenFile) ? user.tokenFile : join(source.dir, user.tokenFile),
    };
  if (user?.username !== undefined && user.password !== undefined)
    return { type: 'basic', username: user.username, password: user.password };
  return { type: 'none' };
}

/** Parses kubeconfig YAML (js-yaml is loaded only here: an in-cluster relay never pays for it). */
export async function restConfigFromYaml(yaml: string, source: Source): Promise<RestConfig> {
  const { load } = await import('js-yaml');
  let doc: unknown;
  try {
    doc = load(yaml);
  } catch (error) {
    throw new RestConfigInvalid(source.name, 'not valid YAML; fix the kubeconfig', error);
  }
  return restConfigFromKubeconfig(doc, source);
}

/** Loads one kubeconfig file. */
export async function loadKubeconfigFile(path: string): Promise<RestConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RestConfigInvalid(path, 'cannot read the kubeconfig; check KUBECONFIG or --kubeconfig', error);
  }
  return restConfigFromYaml(text, { name: path, dir: dirname(path) });
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
  const source = { name: 'in-cluster config', dir };
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tls: { ca: fileOrData(source, join(dir, 'ca.crt'), undefined), insecureSkipVerify: false },
    auth: { type: 'tokenFile', path: join(dir, 'token') },
  };
}

/**
 * Where a test puts the in-cluster token and CA (a TokenRequest token outside a Pod); unset in a Pod,
 * where the kubelet mounts them at SERVICE_ACCOUNT_DIR.
 */
export const SERVICE_ACCOUNT_DIR_ENV = 'ZEROLOOP_SERVICE_ACCOUNT_DIR';

/**
 * The relay's RestConfig from its environment: the first file of $KUBECONFIG, else the in-cluster
 * service account when KUBERNETES_SERVICE_HOST is set (its files in $ZEROLOOP_SERVICE_ACCOUNT_DIR if
 * set), else ~/.kube/config.
 */
export async function loadRestConfig(env: Readonly<Record<string, string | undefined>>): Promise<RestConfig> {
  const first = env.KUBECONFIG?.split(delimiter).find((p) => p !== '');
  if (first !== undefined) return loadKubeconfigFile(first);
  if (env.KUBERNETES_SERVICE_HOST) {
    const dir = env[SERVICE_ACCOUNT_DIR_ENV];
    return inClusterRestConfig(env, dir !== undefined && dir !== '' ? dir : SERVICE_ACCOUNT_DIR);
  }
  return loadKubeconfigFile(join(env.HOME ?? homedir(), '.kube', 'config'));
}

/** A copy of `config` that talks to `server` instead (tests route the relay through a proxy). */
export function withServer(config: RestConfig, server: string): RestConfig {
  return { ...config, server: server.replace(/\/+$/, '') };
}
