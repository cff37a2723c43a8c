// Middleware of the protocol handshake: every answer states the worker's protocol version; a request stating another (or none) is refused, and nothing runs.
import { createMiddleware } from 'hono/factory';
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  parseProtocolVersion,
  supportsProtocol,
} from '../../src/protocol/version.ts';
import { WorkerError } from '../errors/worker-error.ts';
import type { WorkerEnv } from '../types.ts';

export interface ProtocolOptions {
  /** The protocol this worker speaks; defaults to PROTOCOL_VERSION (tests build workers of another). */
  version?: number;
}

/** Outermost: sets `x-zeroloop-protocol` on every answer, errors and 404s included, so a relay never has to guess. */
export function announceProtocol(options: ProtocolOptions = {}) {
  const version = String(options.version ?? PROTOCOL_VERSION);
  return createMiddleware<WorkerEnv>(async function announceProtocol(c, next) {
    await next();
    c.res.headers.set(PROTOCOL_HEADER, version);
  });
}

/** On `/v1/*`, after the signature: 400 `incompatible_protocol` naming both versions unless the request states ours. */
export function requireProtocol(options: ProtocolOptions = {}) {
  const ours = options.version ?? PROTOCOL_VERSION;
  return createMiddleware<WorkerEnv>(async function requireProtocol(c, next) {
    const stated = c.req.header(PROTOCOL_HEADER);
    const theirs = parseProtocolVersion(stated);
    if (!supportsProtocol(theirs, ours)) {
      const relay =
        theirs === undefined
          ? `the request states no zeroloop protocol version (header ${PROTOCOL_HEADER}${stated === undefined ? ' absent' : ` is "${stated.slice(0, 20)}"`}; a relay older than zeroloop 0.2.0?)`
          : `the relay speaks zeroloop protocol ${String(theirs)}`;
      throw new WorkerError(
        'incompatible_protocol',
        `${relay}, this worker speaks protocol ${String(ours)}: nothing ran; upgrade the ${theirs !== undefined && theirs > ours ? 'worker' : 'relay'} so both speak the same protocol`,
      );
    }
    await next();
  });
}
