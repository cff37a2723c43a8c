// Holds the SDK's exports to the guest types jco generates from the WIT (build/guest-types, from `npm run build:reconcilers`).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';
import { WIT_VERSION } from '../../src/protocol/version.ts';

const GUEST_TYPES = fileURLToPath(new URL('../../build/guest-types/reconciler.d.ts', import.meta.url));
const DEFINE = fileURLToPath(new URL('./define.ts', import.meta.url));

// A check file: defineReconciler's exports must be assignable to the world's exports. jco writes WIT
// options as `?:` and means "absent or undefined", so exactOptionalPropertyTypes is off for it.
const CHECK = `
/// <reference path=${JSON.stringify(GUEST_TYPES)} />
import type * as World from 'zeroloop:reconciler/reconciler@${WIT_VERSION}';
import type { ReconcilerModule } from ${JSON.stringify(DEFINE)};
declare const module: ReconcilerModule;
export const describe: typeof World.describe = module.describe;
export const reconcile: typeof World.reconcile = module.reconcile;
`;

test('defineReconciler exports match the guest types generated from the WIT', (t) => {
  // `npm test` builds first; the fast `test:unit` may run before any build, and says so.
  if (!existsSync(GUEST_TYPES)) {
    t.skip(`${GUEST_TYPES} is missing: run npm run build:reconcilers`);
    return;
  }
  const checkFile = fileURLToPath(new URL('./__guest-types-check.ts', import.meta.url));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === checkFile ? CHECK : readFile(file));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === checkFile || fileExists(file);
  const program = ts.createProgram({ rootNames: [checkFile], options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const text = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
  assert.equal(diagnostics.length, 0, text);
});
