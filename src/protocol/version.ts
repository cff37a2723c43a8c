// The versions relay and worker state and check: the HTTP protocol's (one integer) and the WIT package's (semver).
//
// The protocol version is a plain integer because the two sides only ever ask "do we speak the same
// protocol?": it is bumped when an answer or request of one side could be misread by the other side
// of the previous version (a field renamed, removed or given another meaning, another signature
// scheme, another status for an error). Additions the older side ignores (a new optional field,
// a new error code both map to a failure) do not bump it. The `/v1/` in the paths is the route
// prefix, not the protocol version.
//
// The WIT package `zeroloop:reconciler` is semver: a component built against `0.1.x` runs on any
// worker whose WIT is `0.1.y` (a patch never breaks). A 0.x minor bump may break, so a worker runs
// an older 0.x minor only when it adapts the call to it: a worker of 0.2 runs components of 0.1.x
// too (WIT_OLDEST; worker/routes/downgrade.ts drops what 0.1 does not know). From 1.0 on, a worker
// of `1.m` runs components built against `1.k` for k ≤ m.

/**
 * The protocol this build of relay and worker speaks. 2: the `external` trigger (a protocol-1 worker
 * refuses it), and the descriptor's `finalizerName` (a protocol-1 relay would ignore it).
 */
export const PROTOCOL_VERSION = 2;

/** Header on every relay request and every worker response: the sender's protocol version. */
export const PROTOCOL_HEADER = 'x-zeroloop-protocol';

/** The WIT package reconcilers are built against (wit/reconciler.wit; a test holds the two equal). */
export const WIT_PACKAGE = 'zeroloop:reconciler';
export const WIT_VERSION = '0.2.0';
/** The oldest WIT version a worker of WIT_VERSION still runs: it adapts each call to the older shape. */
export const WIT_OLDEST = '0.1.0';

/** `zeroloop:reconciler/<interface>@<version>`: the name a component imports an interface of the package by. */
export function witInterfaceName(iface: string, version: string = WIT_VERSION): string {
  return `${WIT_PACKAGE}/${iface}@${version}`;
}

/**
 * The protocol version a header value states, or undefined when it states none (absent, empty, or not
 * a positive decimal integer): a peer that states no version is never assumed to speak this one.
 */
export function parseProtocolVersion(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^[1-9][0-9]{0,8}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Whether a peer stating `version` speaks this build's protocol. */
export function supportsProtocol(version: number | undefined, ours: number = PROTOCOL_VERSION): boolean {
  return version === ours;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+].*)?$/;

/** Major, minor and patch of a semver string, or undefined when it is not one. */
export function parseSemver(version: string): [number, number, number] | undefined {
  const m = SEMVER.exec(version);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Whether a worker built against WIT `worker`, which adapts calls down to WIT `oldest`, runs a
 * component built against WIT `component`: the same major; for 0.x a minor from `oldest`'s (when it
 * is a 0.x too) to the worker's, any patch; from 1.0 a minor no newer than the worker's.
 */
export function witCompatible(
  component: string,
  worker: string = WIT_VERSION,
  oldest: string = WIT_OLDEST,
): boolean {
  const c = parseSemver(component);
  const w = parseSemver(worker);
  if (c?.[0] === undefined || w?.[0] !== c[0]) return false;
  if (w[0] !== 0) return c[1] <= w[1];
  const o = parseSemver(oldest);
  const from = o?.[0] === 0 && o[1] <= w[1] ? o[1] : w[1];
  return c[1] >= from && c[1] <= w[1];
}

/** Whether a component of WIT `component` predates `version` (so it is called in an older shape). */
export function witOlderThan(component: string, version: string): boolean {
  const c = parseSemver(component);
  const v = parseSemver(version);
  if (!c || !v) return false;
  return c[0] !== v[0] ? c[0] < v[0] : c[1] !== v[1] ? c[1] < v[1] : c[2] < v[2];
}

/** The range of WIT versions a worker of WIT `worker` runs, as people write it: `0.1.x–0.2.x`, `1.0–1.3`. */
export function witRange(worker: string = WIT_VERSION, oldest: string = WIT_OLDEST): string {
  const w = parseSemver(worker);
  if (!w) return worker;
  if (w[0] !== 0) return `${w[0]}.0.x–${w[0]}.${w[1]}.x`;
  const o = parseSemver(oldest);
  const from = o?.[0] === 0 && o[1] < w[1] ? o[1] : w[1];
  return from === w[1] ? `0.${w[1]}.x` : `0.${from}.x–0.${w[1]}.x`;
}
