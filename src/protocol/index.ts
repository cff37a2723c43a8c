// Re-exports the HTTP protocol: schemas, error codes, routes.
export * from './schemas.ts';
export * from './errors.ts';
export * from './routes.ts';
