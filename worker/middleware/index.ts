// Re-exports the worker's middleware factories.
export { bodyLimit, type BodyLimitOptions } from './body-limit.ts';
export { verifySignature, type SignatureOptions } from './signature.ts';
export { requestLog, type RequestLogLine, type RequestLogOptions } from './request-log.ts';
export { announceProtocol, requireProtocol, type ProtocolOptions } from './protocol.ts';
