// Re-exports the worker's signing keys and replay guard.
export {
  cachedKeyRing,
  readKeyRing,
  DEFAULT_CLUSTER,
  type KeyBindings,
  type KeyRing,
  type SigningKey,
} from './keyring.ts';
export { DEFAULT_REPLAY_ENTRIES, ReplayGuard } from './replay-guard.ts';
