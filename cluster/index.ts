// The local control plane's public API: build the real binaries, start and stop a loopback cluster.
export { startControlPlane } from './controlplane.ts';
export type { ComponentCrash, ControlPlane, ControlPlaneOptions } from './controlplane.ts';
export { defaultCacheRoot, ensureBinaries } from './build.ts';
export type { Binaries, EnsureBinariesOptions } from './build.ts';
export {
  BinaryBuildFailed,
  ControlPlaneError,
  GoToolchainMissing,
  InvalidControlPlaneOption,
  ModuleDownloadFailed,
  ProcessStartFailed,
  ReadinessTimeout,
} from './errors.ts';
export { DEFAULT_NODES } from './nodes.ts';
