// Asks the worker which cluster the relay's signing key belongs to (signed GET /v1/hooks/status): a hook's path names it, and only the worker knows it.
import { request } from 'undici';
import { CLUSTER_NAME, HOOK_ROUTES, HookStatus } from '../../src/protocol/hooks.ts';
import { errorMessage } from '../../src/error-message.ts';
import { type HookTarget, signedGetHeaders, targetUrl } from './signed.ts';

/** The worker did not say which cluster the key is for: check the endpoint, the key and the worker's hook routes. */
export class HookClusterUnknown extends Error {
  override readonly name = 'HookClusterUnknown';
}

const TIMEOUT_MS = 10_000;

/** The cluster the worker derives from `target`'s key; throws HookClusterUnknown naming the endpoint and what went wrong. */
export async function askCluster(target: HookTarget, nowMs: number): Promise<string> {
  const url = targetUrl(target.endpoint, HOOK_ROUTES.status);
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: await signedGetHeaders(target, url, nowMs),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = response.statusCode;
    text = (await response.body.text()).slice(0, 64 * 1024);
  } catch (error) {
    throw new HookClusterUnknown(`GET ${url.href} failed: ${errorMessage(error)}; is the worker up?`, {
      cause: error,
    });
  }
  if (status !== 200)
    throw new HookClusterUnknown(
      `GET ${url.href} answered ${String(status)}: ${text.slice(0, 300)}; check the signing key and that the worker serves hooks`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HookClusterUnknown(`GET ${url.href} answered 200 with a body that is not JSON`);
  }
  const parsed = HookStatus.safeParse(json);
  if (!parsed.success)
    throw new HookClusterUnknown(
      `GET ${url.href} answered a body that is not a hook status: ${parsed.error.message}`,
    );
  const { cluster } = parsed.data;
  if (!CLUSTER_NAME.test(cluster))
    throw new HookClusterUnknown(
      `GET ${url.href} named cluster "${cluster.slice(0, 64)}", not a lowercase DNS name`,
    );
  return cluster;
}
