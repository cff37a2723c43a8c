// Unit tests of the packing step's import rewrite: a source that leaves its package imports the package that holds the target.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { importedPackages, PackFailed, REPO_ROOT, rewriteImports } from './pack.ts';

const workspaces = new Map([
  [join(REPO_ROOT, 'src') + '/', '@zeroloop/protocol'],
  [join(REPO_ROOT, 'reconcilers', 'sdk') + '/', '@zeroloop/sdk'],
]);
const sdk = join(REPO_ROOT, 'reconcilers', 'sdk') + '/';

test('rewriteImports should turn an import into another package into that package and subpath', () => {
  const text = [
    "import type { WitDescriptor } from '../../src/contract/wit.ts';",
    "import { DNS_LABEL } from '../../src/keys.ts';",
    "import { parseRequest } from './request.ts';",
    "const lazy = await import('../../src/protocol/schemas.ts');",
  ].join('\n');
  assert.equal(
    rewriteImports(text, join(sdk, 'define.ts'), sdk, workspaces),
    [
      "import type { WitDescriptor } from '@zeroloop/protocol/contract/wit.ts';",
      "import { DNS_LABEL } from '@zeroloop/protocol/keys.ts';",
      "import { parseRequest } from './request.ts';",
      "const lazy = await import('@zeroloop/protocol/protocol/schemas.ts');",
    ].join('\n'),
  );
});

test('rewriteImports should refuse an import of a folder no package ships', () => {
  assert.throws(
    () =>
      rewriteImports("import { x } from '../pipeline/paths.ts';", join(sdk, 'define.ts'), sdk, workspaces),
    (error: unknown) =>
      error instanceof PackFailed && error.message.includes('which is in no published package'),
  );
});

test('importedPackages should name the packages a compiled module imports, not builtins or relative files', () => {
  const text = [
    "import * as z from 'zod/mini';",
    "import { Agent } from 'undici';",
    "import { readFile } from 'node:fs/promises';",
    "import { x } from './local.js';",
    "import { build } from '@bytecodealliance/jco/api';",
    "const lazy = await import('js-yaml');",
  ].join('\n');
  assert.deepEqual([...importedPackages(text)].sort(), ['@bytecodealliance/jco', 'js-yaml', 'undici', 'zod']);
});
