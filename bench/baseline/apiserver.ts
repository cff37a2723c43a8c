// Counts the requests the apiserver has served, from its own `apiserver_request_total` metric (GET /metrics as admin).
import { Agent, fetch } from 'undici';
import type { ControlPlane } from '../../cluster/index.ts';
import { sumMetric } from '../../test/support/relay-env.ts';

export class ApiserverMetricsUnavailable extends Error {
  override readonly name = 'ApiserverMetricsUnavailable';
}

export interface ApiserverCounter {
  /** Sum of apiserver_request_total over every verb, resource and code. */
  requests(): Promise<number>;
  close(): Promise<void>;
}

export function apiserverCounter(
  plane: Pick<ControlPlane, 'server' | 'adminToken' | 'caPem'>,
): ApiserverCounter {
  const dispatcher = new Agent({ connect: { ca: plane.caPem } });
  return {
    async requests() {
      const response = await fetch(`${plane.server}/metrics`, {
        headers: { authorization: `Bearer ${plane.adminToken}` },
        dispatcher,
      });
      const text = await response.text();
      if (!response.ok)
        throw new ApiserverMetricsUnavailable(
          `GET ${plane.server}/metrics answered ${response.status}: ${text.slice(0, 200)}; the admin credential should be allowed to read it`,
        );
      return sumMetric(text, 'apiserver_request_total');
    },
    close: () => dispatcher.close(),
  };
}
