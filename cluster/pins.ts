// Reads the pinned Kubernetes and etcd versions from cluster/gomod/go.mod and derives the binary cache key.
import { createHash } from 'node:crypto';

/** The versions a control-plane build is pinned to. */
export interface Pins {
  /** k8s.io/kubernetes version, e.g. `v1.35.4`; also the `gitVersion` stamped into the binaries. */
  readonly kubernetes: string;
  /** go.etcd.io/etcd/server/v3 version, e.g. `v3.6.5`. */
  readonly etcd: string;
  /** The `go` directive, e.g. `1.25.0`: the oldest Go toolchain that can build the module. */
  readonly go: string;
}

/** Thrown when go.mod does not pin what the control plane needs. */
export class PinsParseFailed extends Error {
  override readonly name = 'PinsParseFailed';
}

const requireLine = (module: string): RegExp =>
  new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm');

/** Parses the pins out of go.mod text. */
export function parsePins(goMod: string): Pins {
  const kubernetes = requireLine('k8s.io/kubernetes').exec(goMod)?.[1];
  const etcd = requireLine('go.etcd.io/etcd/server/v3').exec(goMod)?.[1];
  const go = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goMod)?.[1];
  const missing = [
    kubernetes === undefined ? 'k8s.io/kubernetes' : undefined,
    etcd === undefined ? 'go.etcd.io/etcd/server/v3' : undefined,
    go === undefined ? 'the go directive' : undefined,
  ].filter((m) => m !== undefined);
  if (kubernetes === undefined || etcd === undefined || go === undefined) {
    throw new PinsParseFailed(
      `cluster/gomod/go.mod does not pin ${missing.join(', ')}; restore the require lines and run \`go mod tidy\``,
    );
  }
  if (!/^v1\.\d+\.\d+$/.test(kubernetes)) {
    throw new PinsParseFailed(
      `cluster/gomod/go.mod pins k8s.io/kubernetes ${kubernetes}, expected a release such as v1.35.4`,
    );
  }
  return { kubernetes, etcd, go };
}

/**
 * The cache key of a build: the Kubernetes version (readable) plus a hash of go.mod, go.sum and the
 * build recipe, so any pin change or recipe change lands in a fresh folder and never reuses stale binaries.
 */
export function cacheKey(pins: Pins, goMod: string, goSum: string, recipe: string): string {
  const hash = createHash('sha256').update(goMod).update('\0').update(goSum).update('\0').update(recipe);
  return `k8s-${pins.kubernetes}-${hash.digest('hex').slice(0, 12)}`;
}

/** The `-ldflags` that make `/version` report the pinned release instead of v0.0.0. */
export function versionLdflags(kubernetes: string): string {
  const [major, minor] = kubernetes.slice(1).split('.');
  const pkg = 'k8s.io/component-base/version';
  return [
    `-X ${pkg}.gitVersion=${kubernetes}`,
    `-X ${pkg}.gitMajor=${major ?? ''}`,
    `-X ${pkg}.gitMinor=${minor ?? ''}`,
    `-X ${pkg}.gitTreeState=clean`,
  ].join(' ');
}
