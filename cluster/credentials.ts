// Credentials of a local control plane: static bearer tokens (token file) and the service-account signing key.
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

/** One line of kube-apiserver's `--token-auth-file`. */
export interface StaticToken {
  readonly token: string;
  readonly user: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

/** A random bearer token (256 bits, hex). */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

const SAFE = /^[A-Za-z0-9:._@-]+$/;

/**
 * Renders a token file: `token,user,uid,"group1,group2"` per line. Values are restricted to a safe
 * alphabet because the apiserver's CSV parser has no escaping we could rely on.
 */
export function renderTokenFile(tokens: readonly StaticToken[]): string {
  return tokens
    .map((t) => {
      for (const value of [t.token, t.user, t.uid, ...t.groups]) {
        if (!SAFE.test(value))
          throw new TypeError(`token file value ${JSON.stringify(value)} has unsafe characters`);
      }
      return `${t.token},${t.user},${t.uid},"${t.groups.join(',')}"\n`;
    })
    .join('');
}

export interface SigningKey {
  /** PKCS#8 PEM, for `--service-account-signing-key-file` and the controller manager. */
  readonly privateKeyPem: string;
  /** SPKI PEM, for `--service-account-key-file` (token verification). */
  readonly publicKeyPem: string;
}

/** A fresh ECDSA P-256 key for signing service-account tokens (ES256; faster to make than RSA). */
export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
