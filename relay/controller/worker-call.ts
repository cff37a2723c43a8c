// One worker call of a Controller, with its `zeroloop_worker_requests_total` and duration metrics; the worker's health probe.
import { fetch } from 'undici';
import { ROUTES } from '../../src/protocol/routes.ts';
import type { ReconcileRequest, ReconcileResponse } from '../../src/protocol/schemas.ts';
import type { Clock } from '../clock.ts';
import type { ControllerConfig } from '../api/reconciler.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { DispatchError } from '../dispatch/errors.ts';
import type { RelayMetrics } from '../observe/metrics.ts';

export interface WorkerCallDeps {
  config: ControllerConfig;
  dispatcher: Dispatcher;
  metrics: RelayMetrics;
  clock: Clock;
  labels: { reconciler: string };
}

/** POSTs one request to the Reconciler's worker; rejects with the dispatcher's error. */
export async function callWorker(
  d: WorkerCallDeps,
  key: string,
  request: ReconcileRequest,
  traceparent: string,
): Promise<ReconcileResponse> {
  const spec = d.config.spec;
  const callStarted = d.clock.now();
  try {
    const response = await d.dispatcher.reconcile(
      {
        reconciler: spec.reconciler,
        endpoint: spec.endpoint,
        signingKey: d.config.signingKey,
        ...(d.config.signingKeyId === undefined ? {} : { keyId: d.config.signingKeyId }),
        timeoutMs: spec.timeoutSeconds * 1000,
        maxAnswerBytes: spec.limits.maxAnswerBytes,
      },
      key,
      request,
      traceparent,
    );
    d.metrics.workerRequests.inc({ ...d.labels, outcome: 'ok' });
    return response;
  } catch (error) {
    d.metrics.workerRequests.inc({
      ...d.labels,
      outcome: error instanceof DispatchError ? error.name : 'error',
    });
    throw error;
  } finally {
    d.metrics.workerDuration.observe(d.labels, (d.clock.now() - callStarted) / 1000);
  }
}

/** Whether the worker answers its health check (unsigned; no reconciler runs). */
export async function probeWorker(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(endpoint.replace(/\/$/, '') + ROUTES.health, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
