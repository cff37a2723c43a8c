// Test-only worker entry: the test worker (examples and fixtures) built to speak the NEXT protocol version, for the relay's incompatible-worker e2e test.
import { registry } from '../../build/fixtures/registry.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/version.ts';
import { createApp } from '../app.ts';

// The protocol this worker states and requires: one a relay of this build does not speak. (A Worker
// module exports handlers only; tests read the version from the worker's answers.)
export default createApp({ registry, protocolVersion: PROTOCOL_VERSION + 1 });
