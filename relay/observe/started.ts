// The relay process's one typed report to the process that started it: where its /metrics, /healthz and /readyz are served.
//
// A parent that spawns `relay/main.ts` with an IPC channel (`stdio: [..., 'ipc']`) gets one `RelayStarted`
// message once the relay has started (its caches may still be syncing: /readyz says when they are). Without
// a channel (a Deployment, a terminal) nothing is sent. Tools read this record, never the log text.
import type { ChildProcess } from 'node:child_process';
import * as z from 'zod/mini';
import { errorMessage } from '../../src/error-message.ts';

export const RelayStarted = z.object({
  type: z.literal('zeroloop.relay.started'),
  /** `http://<host>:<port>`: the observe server's base (/metrics, /healthz, /readyz). */
  url: z.string(),
  /** `<url>/metrics`. */
  metricsUrl: z.string(),
  pid: z.number(),
});
export type RelayStarted = z.infer<typeof RelayStarted>;

/** Sends `RelayStarted` to the parent over its IPC channel, if it opened one; never throws. */
export function reportStarted(url: string): void {
  if (process.send === undefined) return;
  const record: RelayStarted = {
    type: 'zeroloop.relay.started',
    url,
    metricsUrl: `${url}/metrics`,
    pid: process.pid,
  };
  try {
    process.send(record);
  } catch {
    // A parent that closed its end of the channel does not want the record.
  }
}

/** The relay exited (or could not be asked) before it reported `RelayStarted`. */
export class RelayNotStarted extends Error {
  override name = 'RelayNotStarted';
}

/**
 * Resolves with `child`'s `RelayStarted` record. `child` must be spawned with an IPC channel
 * (`stdio: [..., 'ipc']`); rejects with `RelayNotStarted` if it exits first or after `timeoutMs`.
 */
export function relayStarted(child: ChildProcess, timeoutMs = 60_000): Promise<RelayStarted> {
  return new Promise((resolve, reject) => {
    if (child.channel == null) {
      reject(new RelayNotStarted("the relay was spawned without an IPC channel: add 'ipc' to its stdio"));
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (message: unknown): void => {
      const parsed = RelayStarted.safeParse(message);
      if (!parsed.success) return;
      done();
      resolve(parsed.data);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(
        new RelayNotStarted(
          `the relay exited (${signal ?? `code ${String(code)}`}) before it started; read its log`,
        ),
      );
    };
    const onError = (error: Error): void => {
      done();
      reject(new RelayNotStarted(`the relay could not be started: ${errorMessage(error)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new RelayNotStarted(`the relay did not start within ${String(timeoutMs)} ms; read its log`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}
