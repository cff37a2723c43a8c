// Re-exports the worker's edge validation helpers.
export { summarizeIssues } from './issues.ts';
export { parseReconcileRequest } from './request.ts';
