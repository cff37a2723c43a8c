// Reads kubeconfig files by kubectl's rules: merged KUBECONFIG lists, contexts, exec plugins, proxies; gives a RestConfig.
//
// The rules, as client-go's clientcmd applies them:
// - `--kubeconfig FILE` (explicit): that file only, and it must exist.
// - KUBECONFIG `a:b:c`: files that do not exist are skipped; the others are merged. For clusters,
//   users and contexts the first file that defines a name wins, whole (a later file's entry of the
//   same name is ignored, even its other fields); `current-context` comes from the first file that
//   sets it.
// - A relative path (certificate-authority, client-certificate, client-key, tokenFile, and an exec
//   command that contains a `/`) is relative to the file that holds it.
// - `--context NAME` picks a context instead of current-context.
// - A user's token, tokenFile, basic auth or client certificate wins over its exec plugin.
// The credential of an exec plugin is fetched once here, so a broken plugin fails before anything starts.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import * as z from 'zod/mini';
import type { ExecClusterInfo } from './exec-credential.ts';
import { chooseProxy, ProxyUrlInvalid } from './proxy.ts';
import type { RestAuth, RestConfig } from './rest-config.ts';
import { RestConfigInvalid } from './rest-config.ts';
import { authOf, execOrProvider } from './kubeconfig-auth.ts';

export { authProviderAdvice } from './kubeconfig-auth.ts';

const Cluster = z.looseObject({
  server: z.string().check(z.minLength(1)),
  'certificate-authority': z.optional(z.string()),
  'certificate-authority-data': z.optional(z.string()),
  'insecure-skip-tls-verify': z.optional(z.boolean()),
  'tls-server-name': z.optional(z.string()),
  'proxy-url': z.optional(z.string()),
  extensions: z.optional(
    z.nullable(z.array(z.looseObject({ name: z.string(), extension: z.optional(z.unknown()) }))),
  ),
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
  exec: z.optional(z.nullable(z.unknown())),
  'auth-provider': z.optional(
    z.nullable(z.looseObject({ name: z.string(), config: z.optional(z.unknown()) })),
  ),
  as: z.optional(z.string()),
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
type ClusterEntry = z.infer<typeof Cluster>;
export type UserEntry = z.infer<typeof User>;
type ContextEntry = z.infer<typeof Context>;

/** An entry and the file it came from (relative paths resolve against that file's directory). */
interface FromFile<T> {
  value: T;
  file: string;
}

/** The merged view of one or more kubeconfig files. */
export interface MergedKubeconfig {
  files: string[];
  clusters: Map<string, FromFile<ClusterEntry>>;
  users: Map<string, FromFile<UserEntry | null | undefined>>;
  contexts: Map<string, FromFile<ContextEntry>>;
  currentContext: FromFile<string> | undefined;
}

/** Parses one kubeconfig document (already loaded from YAML). */
export function parseKubeconfig(doc: unknown, file: string): z.infer<typeof Kubeconfig> {
  if (doc === null || doc === undefined) return {};
  const parsed = Kubeconfig.safeParse(doc);
  if (!parsed.success)
    throw new RestConfigInvalid(file, `not a kubeconfig: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Merges parsed documents in KUBECONFIG order: the first to define a name (or current-context) wins. */
export function mergeKubeconfigs(
  docs: { file: string; doc: z.infer<typeof Kubeconfig> }[],
): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    files: docs.map((d) => d.file),
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    currentContext: undefined,
  };
  for (const { file, doc } of docs) {
    for (const c of doc.clusters ?? [])
      if (!merged.clusters.has(c.name)) merged.clusters.set(c.name, { value: c.cluster, file });
    for (const u of doc.users ?? [])
      if (!merged.users.has(u.name)) merged.users.set(u.name, { value: u.user, file });
    for (const c of doc.contexts ?? [])
      if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, { value: c.context, file });
    const current = doc['current-context'];
    if (merged.currentContext === undefined && current !== undefined && current !== '')
      merged.currentContext = { value: current, file };
  }
  return merged;
}

/** Where the kubeconfig comes from and which context to use. */
export interface KubeconfigSelection {
  /** Files in KUBECONFIG order (merged), or the one `--kubeconfig` file. */
  paths: readonly string[];
  /** `--kubeconfig`: exactly one file, which must exist. Else missing files are skipped, as kubectl does. */
  explicit?: boolean;
  /** `--context`: this context instead of current-context. */
  context?: string | undefined;
  /** The environment: HTTPS_PROXY/NO_PROXY, and what an exec plugin inherits (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch, for an exec credential's expiry (tests pass a FakeClock's). */
  now?: () => number;
  /** Told after each run of an exec plugin. */
  onExecRun?: (run: { command: string; ms: number; expiresAt: number | undefined; ok: boolean }) => void;
}

/** Reads, merges and resolves the kubeconfig; an exec plugin runs once here (a failure throws ExecPluginFailed). */
export async function loadKubeconfig(selection: KubeconfigSelection): Promise<RestConfig> {
  const { load } = await import('js-yaml');
  const where = selection.paths.join(':');
  if (selection.explicit === true && selection.paths.length !== 1)
    throw new RestConfigInvalid(where, '--kubeconfig takes one file');
  const docs: { file: string; doc: z.infer<typeof Kubeconfig> }[] = [];
  for (const file of selection.paths) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing && selection.explicit !== true) continue;
      throw new RestConfigInvalid(
        file,
        missing
          ? 'does not exist; check --kubeconfig'
          : 'cannot read the kubeconfig; check its permissions, KUBECONFIG or --kubeconfig',
        error,
      );
    }
    let doc: unknown;
    try {
      doc = load(text);
    } catch (error) {
      throw new RestConfigInvalid(file, 'not valid YAML; fix the kubeconfig', error);
    }
    docs.push({ file, doc: parseKubeconfig(doc, file) });
  }
  if (docs.length === 0)
    throw new RestConfigInvalid(
      where,
      'none of these kubeconfig files exists; set KUBECONFIG or --kubeconfig',
    );
  const config = restConfigFromMerged(mergeKubeconfigs(docs), selection);
  if (config.auth.type === 'exec') await config.auth.credentials.get();
  return config;
}

/** The RestConfig of the selected context of a merged kubeconfig (runs nothing). */
export function restConfigFromMerged(merged: MergedKubeconfig, selection: KubeconfigSelection): RestConfig {
  const where = merged.files.join(':');
  const contextName = selection.context ?? merged.currentContext?.value;
  if (contextName === undefined || contextName === '')
    throw new RestConfigInvalid(
      where,
      'no current-context; pass --context NAME or run `kubectl config use-context NAME`',
    );
  const context = merged.contexts.get(contextName);
  if (context === undefined) {
    const known = [...merged.contexts.keys()];
    throw new RestConfigInvalid(
      where,
      `context ${contextName} is not defined` +
        (known.length > 0 ? `; the contexts are: ${known.join(', ')}` : '; the kubeconfig has no contexts'),
    );
  }
  const cluster = merged.clusters.get(context.value.cluster);
  if (cluster === undefined)
    throw new RestConfigInvalid(
      context.file,
      `cluster ${context.value.cluster} of context ${contextName} is not defined`,
    );
  const userName = context.value.user;
  const user = userName === undefined || userName === '' ? undefined : merged.users.get(userName);
  if (userName !== undefined && userName !== '' && user === undefined)
    throw new RestConfigInvalid(context.file, `user ${userName} of context ${contextName} is not defined`);
  const env = selection.env ?? process.env;
  const c = cluster.value;
  const ca = fileOrData(cluster.file, c['certificate-authority'], c['certificate-authority-data']);
  let proxy;
  try {
    proxy = chooseProxy(c.server, c['proxy-url'], env);
  } catch (error) {
    if (error instanceof ProxyUrlInvalid)
      throw new RestConfigInvalid(cluster.file, `cluster ${context.value.cluster}: ${error.message}`);
    throw error;
  }
  const u = user?.value ?? undefined;
  const userFile = user?.file ?? context.file;
  if (u?.as !== undefined && u.as !== '')
    throw new RestConfigInvalid(
      userFile,
      `user ${userName ?? ''} impersonates ${u.as} (as), which zeroloop does not do; give the impersonated identity its own credentials`,
    );
  const cert = fileOrData(userFile, u?.['client-certificate'], u?.['client-certificate-data']);
  const key = fileOrData(userFile, u?.['client-key'], u?.['client-key-data']);
  const server = c.server.replace(/\/+$/, '');
  const execCluster: ExecClusterInfo = {
    server,
    ...(c['tls-server-name'] !== undefined ? { 'tls-server-name': c['tls-server-name'] } : {}),
    ...(c['insecure-skip-tls-verify'] !== undefined
      ? { 'insecure-skip-tls-verify': c['insecure-skip-tls-verify'] }
      : {}),
    ...(ca !== undefined ? { 'certificate-authority-data': ca.toString('base64') } : {}),
    ...(c['proxy-url'] !== undefined ? { 'proxy-url': c['proxy-url'] } : {}),
    ...execExtension(c),
  };
  const staticAuth = authOf(userFile, u);
  const auth: RestAuth =
    staticAuth.type !== 'none' || cert !== undefined
      ? staticAuth
      : execOrProvider(userFile, userName ?? '', u, execCluster, selection);
  return {
    server,
    tls: {
      ca,
      cert,
      key,
      insecureSkipVerify: c['insecure-skip-tls-verify'] ?? false,
      serverName: c['tls-server-name'],
    },
    auth,
    namespace: context.value.namespace,
    ...(proxy !== undefined ? { proxy } : {}),
    context: contextName,
  };
}

function execExtension(cluster: ClusterEntry): { config?: unknown } {
  const ext = cluster.extensions?.find((e) => e.name === 'client.authentication.k8s.io/exec');
  return ext?.extension !== undefined ? { config: ext.extension } : {};
}

export function resolve(file: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(file), path);
}

function fileOrData(file: string, path: string | undefined, data: string | undefined): Buffer | undefined {
  if (data !== undefined && data !== '') return Buffer.from(data, 'base64');
  if (path === undefined || path === '') return undefined;
  const absolute = resolve(file, path);
  try {
    return readFileSync(absolute);
  } catch (error) {
    throw new RestConfigInvalid(file, `cannot read ${absolute}; fix the path in the kubeconfig`, error);
  }
}
