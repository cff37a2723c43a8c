// Re-exports the worker's route handlers.
export { health } from './health.ts';
export { listReconcilers } from './list.ts';
export { reconcile } from './reconcile.ts';
