// Runs a kubeconfig's exec credential plugin (client.authentication.k8s.io v1 / v1beta1) and caches its credential until it expires.
//
// As client-go's exec authenticator does: one run serves every request until the credential's
// `expirationTimestamp` (none: the whole process); concurrent requests share one run; a request the
// apiserver refused with 401 drops the credential it used (`refused`), so the next one runs the
// plugin again. Never interactive: the plugin's stdin is not connected, it is told
// `interactive: false` in KUBERNETES_EXEC_INFO, and `interactiveMode: Always` is refused when the
// kubeconfig is read. A failure names the plugin and says what to do, with the end of its stderr.
import { spawn } from 'node:child_process';
import * as z from 'zod/mini';
import { errorMessage } from '../../src/error-message.ts';

export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;

/** A kubeconfig user's `exec` section. */
export const ExecConfig = z.object({
  command: z.string().check(z.minLength(1)),
  args: z.optional(z.nullable(z.array(z.string()))),
  env: z.optional(z.nullable(z.array(z.object({ name: z.string(), value: z.string() })))),
  apiVersion: z.enum(EXEC_API_VERSIONS),
  installHint: z.optional(z.string()),
  provideClusterInfo: z.optional(z.boolean()),
  interactiveMode: z.optional(z.enum(['Never', 'IfAvailable', 'Always'])),
});
export type ExecConfig = z.infer<typeof ExecConfig>;

/** What a plugin is told about the cluster when `provideClusterInfo` is true (ExecCredential's spec.cluster). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Base64 of the CA bundle, as in the kubeconfig. */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  /** The cluster's `client.authentication.k8s.io/exec` extension. */
  config?: unknown;
}

/** What the plugin prints on stdout. */
const ExecCredentialOutput = z.looseObject({
  apiVersion: z.string(),
  kind: z.literal('ExecCredential'),
  status: z.optional(
    z.looseObject({
      token: z.optional(z.string()),
      clientCertificateData: z.optional(z.string()),
      clientKeyData: z.optional(z.string()),
      expirationTimestamp: z.optional(z.nullable(z.string())),
    }),
  ),
});

/** A credential the plugin gave: a bearer token and/or a client certificate (PEM), valid until `expiresAt`. */
export interface ExecCredential {
  token?: string | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /** Epoch ms of `expirationTimestamp`; undefined: valid for the whole process. */
  expiresAt?: number | undefined;
}

/** The plugin could not give a credential; the message names it, says why and what to do. */
export class ExecPluginFailed extends Error {
  override readonly name = 'ExecPluginFailed';
  /** The plugin's command, as the kubeconfig names it. */
  readonly command: string;
  /** The kubeconfig file and user it came from. */
  readonly source: string;
  constructor(source: string, command: string, problem: string, cause?: unknown) {
    super(`exec plugin ${command} (${source}): ${problem}`, { cause });
    this.command = command;
    this.source = source;
  }
}

/** stderr kept for the error message: its last bytes, where a plugin's error usually is. */
const STDERR_LIMIT = 4096;
/** An ExecCredential is a few KiB; more is not one. */
const STDOUT_LIMIT = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

export interface ExecCredentialSourceOptions {
  config: ExecConfig;
  /** `user NAME in FILE`, for messages. */
  source: string;
  /** Sent in KUBERNETES_EXEC_INFO when the config asks for it (`provideClusterInfo`). */
  cluster?: ExecClusterInfo | undefined;
  /** The environment the plugin inherits (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch (tests pass a FakeClock's). */
  now?: () => number;
  /** A plugin that runs longer is killed and fails (default 60 s). */
  timeoutMs?: number;
  /** Told after each run of the plugin (logs and tests count them). */
  onRun?: (run: { ms: number; expiresAt: number | undefined; ok: boolean }) => void;
}

/** One kubeconfig user's exec plugin, with its cached credential. */
export class ExecCredentialSource {
  readonly config: ExecConfig;
  readonly source: string;
  readonly #options: ExecCredentialSourceOptions;
  readonly #now: () => number;
  #cached: ExecCredential | undefined;
  #running: Promise<ExecCredential> | undefined;

  constructor(options: ExecCredentialSourceOptions) {
    this.config = options.config;
    this.source = options.source;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The cached credential while it has not expired, else the plugin's next one (one run for concurrent callers). */
  get(): Promise<ExecCredential> {
    const cached = this.#cached;
    if (cached !== undefined && (cached.expiresAt === undefined || this.#now() <= cached.expiresAt))
      return Promise.resolve(cached);
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The apiserver answered 401 to `credential`: drop it unless it was already replaced, so `get` runs the plugin. */
  refused(credential: ExecCredential): void {
    if (this.#cached === credential) this.#cached = undefined;
  }

  async #run(): Promise<ExecCredential> {
    const started = this.#now();
    try {
      const credential = await runExecPlugin(this.#options);
      this.#cached = credential;
      this.#options.onRun?.({ ms: this.#now() - started, expiresAt: credential.expiresAt, ok: true });
      return credential;
    } catch (error) {
      this.#options.onRun?.({ ms: this.#now() - started, expiresAt: undefined, ok: false });
      throw error;
    }
  }
}

/** KUBERNETES_EXEC_INFO as client-go sets it: an ExecCredential whose spec says the run is not interactive. */
export function execInfo(config: ExecConfig, cluster: ExecClusterInfo | undefined): string {
  return JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: config.apiVersion,
    spec: {
      interactive: false,
      ...(config.provideClusterInfo === true && cluster !== undefined ? { cluster } : {}),
    },
  });
}

/** Runs the plugin once and parses what it prints. */
export function runExecPlugin(options: ExecCredentialSourceOptions): Promise<ExecCredential> {
  const { config, source } = options;
  const fail = (problem: string, cause?: unknown) =>
    new ExecPluginFailed(source, config.command, problem, cause);
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  for (const { name, value } of config.env ?? []) env[name] = value;
  env.KUBERNETES_EXEC_INFO = execInfo(config, options.cluster);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return new Promise<ExecCredential>((resolve, reject) => {
    // Its own session: no controlling terminal to prompt on, and a timeout kills its children too.
    const child = spawn(config.command, config.args ?? [], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let stderrBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.byteLength;
      if (stdoutBytes <= STDOUT_LIMIT) stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrBytes += chunk.byteLength;
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.byteLength > STDERR_LIMIT) stderr = stderr.subarray(stderr.byteLength - STDERR_LIMIT);
    });
    const stderrText = () => {
      const text = stderr.toString('utf8').trim();
      if (text === '') return 'it wrote nothing to stderr';
      const cut = stderrBytes > stderr.byteLength ? `…(${stderrBytes - stderr.byteLength} bytes cut) ` : '';
      return `its stderr: ${cut}${text}`;
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') {
        const hint = config.installHint ? ` ${config.installHint.trim()}` : '';
        reject(
          fail(
            `command not found: install ${config.command} and make sure it is on PATH ` +
              `(or give its absolute path in the kubeconfig's exec.command).${hint}`,
            error,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(fail(`cannot run it (permission denied): make ${config.command} executable`, error));
      } else reject(fail(`cannot run it: ${error.message}`, error));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== null) {
        const why = timedOut
          ? `did not finish within ${timeoutMs} ms; it was killed`
          : `was killed by ${signal}`;
        reject(fail(`${why}; run it by hand to see whether it waits for input; ${stderrText()}`));
        return;
      }
      if (code !== 0) {
        reject(
          fail(
            `exited with status ${String(code)}; fix what it reports (try running it by hand), ${stderrText()}`,
          ),
        );
        return;
      }
      if (stdoutBytes > STDOUT_LIMIT) {
        reject(fail(`printed ${stdoutBytes} bytes, more than an ExecCredential; check the command`));
        return;
      }
      try {
        resolve(parseExecCredential(Buffer.concat(stdout).toString('utf8'), config.apiVersion));
      } catch (error) {
        reject(fail(errorMessage(error), error));
      }
    });
  });
}

/** Parses and checks a plugin's stdout, as client-go does; throws an Error that says what is wrong. */
export function parseExecCredential(stdout: string, apiVersion: ExecConfig['apiVersion']): ExecCredential {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    const head = stdout.trim().slice(0, 200);
    throw new Error(
      `did not print an ExecCredential as JSON on stdout (it printed ${head === '' ? 'nothing' : JSON.stringify(head)})`,
    );
  }
  const parsed = ExecCredentialOutput.safeParse(json);
  if (!parsed.success)
    throw new Error(`printed something that is not an ExecCredential: ${z.prettifyError(parsed.error)}`);
  const { apiVersion: printed, status } = parsed.data;
  if (printed !== apiVersion)
    throw new Error(
      `is configured to use API version ${apiVersion}, but printed ${printed}; set exec.apiVersion in the kubeconfig to what the plugin speaks`,
    );
  if (status === undefined) throw new Error('printed an ExecCredential without a status');
  const token = status.token === '' ? undefined : status.token;
  const cert = status.clientCertificateData === '' ? undefined : status.clientCertificateData;
  const key = status.clientKeyData === '' ? undefined : status.clientKeyData;
  if (token === undefined && cert === undefined && key === undefined)
    throw new Error('printed an ExecCredential with neither a token nor a client certificate and key');
  if ((cert === undefined) !== (key === undefined))
    throw new Error('printed only a client certificate or only a key, not both');
  let expiresAt: number | undefined;
  if (status.expirationTimestamp !== undefined && status.expirationTimestamp !== null) {
    expiresAt = Date.parse(status.expirationTimestamp);
    if (Number.isNaN(expiresAt))
      throw new Error(
        `printed expirationTimestamp ${JSON.stringify(status.expirationTimestamp)}, which is not an RFC 3339 time`,
      );
  }
  return {
    token,
    cert: cert === undefined ? undefined : Buffer.from(cert),
    key: key === undefined ? undefined : Buffer.from(key),
    expiresAt,
  };
}
