// Reads the pinned Kubernetes, etcd and KWOK versions from cluster/gomod and cluster/kwokmod; derives the binary cache key.
import { createHash } from 'node:crypto';

/** The versions a control-plane build is pinned to. */
export interface Pins {
  /** k8s.io/kubernetes version, e.g. `v1.35.4`; also the `gitVersion` stamped into the binaries. */
  readonly kubernetes: string;
  /** go.etcd.io/etcd/server/v3 version, e.g. `v3.6.5`. */
  readonly etcd: string;
  /** sigs.k8s.io/kwok version, e.g. `v0.8.0` (from cluster/kwokmod/go.mod). */
  readonly kwok: string;
  /** The newest `go` directive of the two modules, e.g. `1.26.0`: the oldest Go toolchain that builds both. */
  readonly go: string;
}

/** Thrown when go.mod does not pin what the control plane needs. */
export class PinsParseFailed extends Error {
  override readonly name = 'PinsParseFailed';
}

const requireLine = (module: string): RegExp =>
  new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')}\\s+(v\\S+)`, 'm');

const goDirective = (goMod: string): string | undefined => /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goMod)?.[1];

/** Parses the pins out of the texts of cluster/gomod/go.mod and cluster/kwokmod/go.mod. */
export function parsePins(goMod: string, kwokGoMod: string): Pins {
  const kubernetes = requireLine('k8s.io/kubernetes').exec(goMod)?.[1];
  const etcd = requireLine('go.etcd.io/etcd/server/v3').exec(goMod)?.[1];
  const go = goDirective(goMod);
  const kwok = requireLine('sigs.k8s.io/kwok').exec(kwokGoMod)?.[1];
  const kwokGo = goDirective(kwokGoMod);
  const missing = [
    kubernetes === undefined ? 'cluster/gomod/go.mod: k8s.io/kubernetes' : undefined,
    etcd === undefined ? 'cluster/gomod/go.mod: go.etcd.io/etcd/server/v3' : undefined,
    go === undefined ? 'cluster/gomod/go.mod: the go directive' : undefined,
    kwok === undefined ? 'cluster/kwokmod/go.mod: sigs.k8s.io/kwok' : undefined,
    kwokGo === undefined ? 'cluster/kwokmod/go.mod: the go directive' : undefined,
  ].filter((m) => m !== undefined);
  if (
    kubernetes === undefined ||
    etcd === undefined ||
    go === undefined ||
    kwok === undefined ||
    kwokGo === undefined
  ) {
    throw new PinsParseFailed(
      `missing pins (${missing.join(', ')}); restore the require lines and run \`go mod tidy\` in that folder`,
    );
  }
  if (!/^v1\.\d+\.\d+$/.test(kubernetes)) {
    throw new PinsParseFailed(
      `cluster/gomod/go.mod pins k8s.io/kubernetes ${kubernetes}, expected a release such as v1.35.4`,
    );
  }
  return { kubernetes, etcd, kwok, go: newestGo(go, kwokGo) };
}

function newestGo(a: string, b: string): string {
  const parts = (v: string) => v.split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d > 0 ? a : b;
  }
  return a;
}

/**
 * The cache key of a build: the Kubernetes version (readable) plus a hash of the modules' go.mod and go.sum
 * texts and the build recipe, so any pin change or recipe change lands in a fresh folder and never reuses
 * stale binaries.
 */
export function cacheKey(pins: Pins, moduleFiles: readonly string[], recipe: string): string {
  const hash = createHash('sha256');
  for (const text of moduleFiles) hash.update(text).update('\0');
  hash.update(recipe);
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
