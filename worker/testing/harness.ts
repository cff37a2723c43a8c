// Starts a worker in real workerd through wrangler's test harness (the real wrangler build), for node:test.
import { fileURLToPath } from 'node:url';
import { createTestHarness } from 'wrangler';
import { TEST_SECRET } from './requests.ts';

// Keep wrangler offline: no metrics, no request.cf lookup.
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

/** The test worker's config: the examples plus the `faulty` fixture. */
export const TEST_CONFIG = fileURLToPath(new URL('./wrangler.toml', import.meta.url));
/** The test worker built to speak the next protocol version (other-protocol-entry.ts). */
export const OTHER_PROTOCOL_CONFIG = fileURLToPath(
  new URL('./other-protocol.wrangler.toml', import.meta.url),
);
/** The production worker's config. */
export const PRODUCTION_CONFIG = fileURLToPath(new URL('../../wrangler.toml', import.meta.url));

export interface RunningWorker {
  /** Real HTTP to the worker's loopback URL (relative paths resolve against it). */
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** The worker's loopback URL. */
  url: URL;
  /** The JSON lines the worker logged since start (or the last clearLogs). */
  logLines: () => Record<string, unknown>[];
  clearLogs: () => void;
  /** Replaces the worker's secrets and reloads it (as a new deployment would). */
  setSecrets: (secrets: Record<string, string>) => Promise<void>;
  close: () => Promise<void>;
}

/** The secrets a test worker starts with: one key, `default`, as SIGNING_SECRET; no SIGNING_KEYS entries. */
export const TEST_SECRETS: Record<string, string> = { SIGNING_SECRET: TEST_SECRET, SIGNING_KEYS: '{}' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startWorker(configPath = TEST_CONFIG, secrets = TEST_SECRETS): Promise<RunningWorker> {
  const server = createTestHarness({ workers: [{ configPath, secrets }] });
  const { url } = await server.listen();
  return {
    fetch: (path, init) => fetch(new URL(path, url), init),
    url,
    logLines: () =>
      server.getLogs().flatMap((log) => {
        try {
          const parsed: unknown = JSON.parse(log.message);
          return isRecord(parsed) ? [parsed] : [];
        } catch {
          return [];
        }
      }),
    clearLogs: () => {
      server.clearLogs();
    },
    setSecrets: (next) => server.update({ workers: [{ configPath, secrets: next }] }),
    close: () => server.close(),
  };
}
