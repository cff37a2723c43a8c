// Reads a Reconciler's signing Secret: the shared HMAC key under `signingSecretRef.key`, and the key's id at the worker under the optional `keyId` entry.
import * as z from 'zod/mini';
import { KEY_ID_PATTERN } from '../../src/signing.ts';
import type { ReconcilerSpec } from '../api/reconciler.ts';
import type { KubeRequester } from '../kube/client.ts';

/** The signing Secret could not be read or holds no usable key: create it, fix it, or grant the relay `get` on it. */
export class SigningSecretUnavailable extends Error {
  override readonly name = 'SigningSecretUnavailable';
}

/** The Secret's optional entry naming the key's id at the worker (src/signing.ts). */
export const SIGNING_KEY_ID_ENTRY = 'keyId';

const SecretData = z.looseObject({ data: z.optional(z.record(z.string(), z.string())) });

export type SecretRef = ReconcilerSpec['signingSecretRef'];

/** The key and (when the Secret names one) its id. */
export interface SigningKey {
  key: string;
  keyId?: string;
}

/** GETs the Secret and decodes it; throws SigningSecretUnavailable. */
export async function readSigningKey(client: KubeRequester, ref: SecretRef): Promise<SigningKey> {
  const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`;
  let raw: unknown;
  try {
    raw = await client.request('GET', path);
  } catch (error) {
    throw new SigningSecretUnavailable(`reading Secret ${ref.namespace}/${ref.name}: ${String(error)}`, {
      cause: error,
    });
  }
  return decodeSigningSecret(raw, ref);
}

/** The key under `ref.key` (base64 in `data`) and the optional key id; throws SigningSecretUnavailable naming what is wrong. */
export function decodeSigningSecret(raw: unknown, ref: SecretRef): SigningKey {
  const secret = `Secret ${ref.namespace}/${ref.name}`;
  const parsed = SecretData.safeParse(raw);
  if (!parsed.success)
    throw new SigningSecretUnavailable(`${secret} is not a Secret: ${parsed.error.message}`);
  const data = parsed.data.data;
  const value = data?.[ref.key];
  if (!value) throw new SigningSecretUnavailable(`${secret} has no key ${ref.key}`);
  const key = Buffer.from(value, 'base64').toString('utf8');
  if (key.length === 0) throw new SigningSecretUnavailable(`${secret} key ${ref.key} is empty`);
  const keyIdValue = data[SIGNING_KEY_ID_ENTRY];
  if (keyIdValue === undefined) return { key };
  const keyId = Buffer.from(keyIdValue, 'base64').toString('utf8');
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new SigningSecretUnavailable(
      `${secret} entry ${SIGNING_KEY_ID_ENTRY} is not a key id (${String(KEY_ID_PATTERN)}); set it to the id the worker knows this key by`,
    );
  }
  return { key, keyId };
}
