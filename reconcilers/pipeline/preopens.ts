// Loaded with `node --import` before jco: gives every preview2-shim copy jco uses a `/` preopen (jco 1.35 bug).
//
// jco 1.35 with preview2-shim 0.26 starts with no preopens, so any command that reads a WIT path
// (`jco guest-types`) fails with "failed to read path for WIT". Checked 2026-11: still needed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir } from './paths.ts';

const SHIM = '@bytecodealliance/preview2-shim/filesystem';

interface Shim {
  _setPreopens(preopens: Record<string, string>): void;
}

const owners = ['@bytecodealliance/jco', '@bytecodealliance/jco-transpile'];
const shims = new Set<string>();
for (const owner of owners) {
  try {
    shims.add(createRequire(join(packageDir(owner), 'package.json')).resolve(SHIM));
  } catch {
    // This jco layout has no copy of the shim under that package; the others suffice.
  }
}
for (const file of shims) {
  const shim = (await import(pathToFileURL(file).href)) as Shim;
  shim._setPreopens({ '/': '/' });
}
