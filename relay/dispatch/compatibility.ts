// Judges whether an answer comes from a worker this relay can talk to, before anything reads it: its protocol header, and the worker's incompatibility error codes.
//
// The dispatcher asks, in order:
// 1. `protocolMismatch` as soon as the headers arrive: a header stating another version (or one that
//    is not a version) means the body may mean something else in the worker's protocol, so it is
//    never read;
// 2. `unstatedProtocol` once the body is read, for an answer with no header that looks like a
//    zeroloop answer (a 200, or the protocol's JSON error body): a worker from before versions. An
//    answer without the header that is neither (a gateway's 502 page) is not the worker speaking,
//    and is mapped as before;
// 3. `refusedAsIncompatible` for an answer in our protocol saying the worker refused our version or
//    cannot run the component.
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  parseProtocolVersion,
  supportsProtocol,
} from '../../src/protocol/version.ts';

/** A message naming both versions and what to upgrade, when the header states a protocol other than `ours`. */
export function protocolMismatch(
  endpoint: string,
  header: string | undefined,
  ours: number = PROTOCOL_VERSION,
): string | undefined {
  if (header === undefined) return undefined;
  const theirs = parseProtocolVersion(header);
  if (theirs === undefined) {
    return `the worker at ${endpoint} states protocol "${header.slice(0, 20)}" (header ${PROTOCOL_HEADER}), which is no zeroloop protocol version; this relay speaks protocol ${String(ours)}: point the Reconciler at a zeroloop worker of the relay's release`;
  }
  if (supportsProtocol(theirs, ours)) return undefined;
  const upgrade = theirs > ours ? 'the relay' : 'the worker';
  return `the worker at ${endpoint} speaks zeroloop protocol ${String(theirs)}, this relay speaks protocol ${String(ours)}: upgrade ${upgrade} so both speak the same protocol`;
}

/** The message for a zeroloop answer that states no protocol version. */
export function unstatedProtocol(endpoint: string, ours: number = PROTOCOL_VERSION): string {
  return `the worker at ${endpoint} states no zeroloop protocol version (no ${PROTOCOL_HEADER} header: a worker older than zeroloop 0.2.0, or not a zeroloop worker), this relay speaks protocol ${String(ours)}: upgrade the worker to the relay's release`;
}

/** The worker's own refusal, when its error code says relay and worker (or its component) do not match. */
export function refusedAsIncompatible(
  endpoint: string,
  code: string | undefined,
  message: string | undefined,
  ours: number = PROTOCOL_VERSION,
): string | undefined {
  if (code !== 'incompatible_protocol' && code !== 'incompatible_component') return undefined;
  return `the worker at ${endpoint} (protocol ${String(ours)}, as this relay) refused the request: ${message ?? code}`;
}
