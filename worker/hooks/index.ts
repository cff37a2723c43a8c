// Re-exports the hook route handlers and the ClusterHooks Durable Object.
export { ClusterHooks } from './object.ts';
export { connectHooks, deliverHook, hookStatus, type DeliverOptions } from './routes.ts';
