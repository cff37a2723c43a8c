// A test delivery for a hook, signed as its sender signs it: GitHub's X-Hub-Signature-256, GitLab's token, X-Signature for generic-hmac, a bearer token.
import { createHmac, randomUUID } from 'node:crypto';
import type { HookSource } from '../../src/protocol/hooks.ts';

export interface TestDelivery {
  headers: Record<string, string>;
  body: string;
  /** The delivery id sent (GitHub's and GitLab's header), when the source has one. */
  id: string | undefined;
}

/** `sha256=<hex HMAC-SHA256 of body>`: GitHub's X-Hub-Signature-256, and X-Signature of generic-hmac. */
export function hmacSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The headers a `source` sender puts on `body` for `event`, with a fresh delivery id. */
export function testDelivery(source: HookSource, secret: string, body: string, event: string): TestDelivery {
  const id = randomUUID();
  const json = { 'content-type': 'application/json', 'user-agent': 'zeroloop-hook-test' };
  switch (source) {
    case 'github':
      return {
        id,
        body,
        headers: {
          ...json,
          'x-github-event': event,
          'x-github-delivery': id,
          'x-hub-signature-256': hmacSignature(secret, body),
        },
      };
    case 'gitlab':
      return {
        id,
        body,
        headers: { ...json, 'x-gitlab-event': event, 'x-gitlab-event-uuid': id, 'x-gitlab-token': secret },
      };
    case 'generic-hmac':
      return { id: undefined, body, headers: { ...json, 'x-signature': hmacSignature(secret, body) } };
    case 'bearer':
      return { id: undefined, body, headers: { ...json, authorization: `Bearer ${secret}` } };
  }
}
