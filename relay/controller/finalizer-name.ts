// Which finalizer name a Reconciler holds on its primaries: the descriptor's `finalizerName`, checked, or `zeroloop.dev/<reconciler>`.
//
// A finalizer is a qualified name (`<domain>/<name>`, as Kubernetes checks them). The domain must be
// the primary's API group, a subdomain of it, or zeroloop.dev: a reconciler may keep the name an
// earlier operator of its own group used (so objects created before a migration still finalize),
// but not hold another group's finalizer and take part in that group's teardown.

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const RELAY_DOMAIN = 'zeroloop.dev';

/** The finalizer the relay holds when the descriptor names none. */
export function defaultFinalizerName(reconciler: string): string {
  return `${RELAY_DOMAIN}/${reconciler}`;
}

/** The descriptor's finalizer name refused, and why. */
export class InvalidFinalizerName extends Error {
  override readonly name = 'InvalidFinalizerName';
}

/**
 * The finalizer name for a reconciler whose descriptor says `declared`, on primaries of
 * `primaryApiVersion`; throws InvalidFinalizerName when the descriptor's name may not be used.
 */
export function finalizerNameFor(
  reconciler: string,
  declared: string | undefined,
  primaryApiVersion: string,
): string {
  if (declared === undefined) return defaultFinalizerName(reconciler);
  const group = primaryApiVersion.includes('/')
    ? primaryApiVersion.slice(0, primaryApiVersion.indexOf('/'))
    : '';
  const refuse = (why: string) =>
    new InvalidFinalizerName(
      `reconciler ${reconciler} declares finalizerName "${declared.slice(0, 300)}", which ${why}; change finalizerName in the reconciler's descriptor, or leave it out for ${defaultFinalizerName(reconciler)}`,
    );
  const slash = declared.indexOf('/');
  if (slash < 0 || declared.includes('/', slash + 1)) throw refuse('is not a qualified name <domain>/<name>');
  const domain = declared.slice(0, slash);
  const name = declared.slice(slash + 1);
  if (domain.length > 253 || !SUBDOMAIN.test(domain))
    throw refuse('has a domain that is not a DNS subdomain');
  if (name.length > 63 || !NAME.test(name))
    throw refuse(
      'has a name part that is not 1-63 letters, digits, "-", "_" or "." (starting and ending alphanumeric)',
    );
  const allowed =
    domain === RELAY_DOMAIN || (group !== '' && (domain === group || domain.endsWith(`.${group}`)));
  if (!allowed) {
    const groups = group === '' ? RELAY_DOMAIN : `${group} (or a subdomain of it) or ${RELAY_DOMAIN}`;
    throw refuse(`is not in the primary's API group: its domain must be ${groups}`);
  }
  return declared;
}
