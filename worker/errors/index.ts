// Re-exports the worker's error class and its Hono handlers.
export { WorkerError } from './worker-error.ts';
export { errorResponse, notFoundResponse } from './handler.ts';
