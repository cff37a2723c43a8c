// Which finalizer names a reconciler may ask the relay to hold: a qualified name in the primary's group, or zeroloop.dev's.

/** The finalizer the relay holds when a descriptor names none. */
export function defaultFinalizerName(reconciler: string): string {
  return `zeroloop.dev/${reconciler}`;
}

/** The domain every reconciler may use, whatever its primary's group. */
export const ZEROLOOP_DOMAIN = 'zeroloop.dev';

const SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME = /^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (the core group). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/**
 * Why `name` cannot be the finalizer of a reconciler whose primary is of `primaryApiVersion`, or
 * undefined when it can. It must be a qualified name `<domain>/<name>` (as Kubernetes checks
 * finalizers) whose domain is the primary's group, a subdomain of it, or zeroloop.dev: a reconciler
 * may not hold a finalizer that another group's controllers own.
 */
export function finalizerNameProblem(name: string, primaryApiVersion: string): string | undefined {
  const slash = name.indexOf('/');
  const domain = slash === -1 ? '' : name.slice(0, slash);
  const local = slash === -1 ? name : name.slice(slash + 1);
  if (slash === -1 || !SUBDOMAIN.test(domain) || !NAME.test(local)) {
    return `${JSON.stringify(name)} is not a qualified name <domain>/<name> (for example ${ZEROLOOP_DOMAIN}/my-finalizer)`;
  }
  const group = groupOf(primaryApiVersion);
  if (domain === ZEROLOOP_DOMAIN || (group !== '' && (domain === group || domain.endsWith(`.${group}`))))
    return undefined;
  const allowed = group === '' ? ZEROLOOP_DOMAIN : `${group} (or a subdomain of it) or ${ZEROLOOP_DOMAIN}`;
  return `${JSON.stringify(name)} has domain ${domain}; a reconciler of ${primaryApiVersion} may use ${allowed}`;
}
