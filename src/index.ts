// Re-exports the shared, I/O-free code of relay and worker: protocol, contract, signing, keys.
export * from './protocol/index.ts';
export * from './contract/wit.ts';
export * from './signing.ts';
export * from './keys.ts';
