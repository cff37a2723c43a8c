// Re-exports the HTTP protocol: schemas, error codes, routes, versions.
export * from './schemas.ts';
export * from './errors.ts';
export * from './routes.ts';
export * from './version.ts';
export * from './finalizer-name.ts';
