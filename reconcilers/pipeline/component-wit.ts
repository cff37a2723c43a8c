// Reads which version of the WIT package `zeroloop:reconciler` a built component was made against, from the names of its top-level imports.
//
// A component of world `reconciler` imports the package's `types` interface by its full name,
// `zeroloop:reconciler/types@0.1.0`, whatever language built it. Only the top-level import
// sections are read: the core modules inside (which hold a QuickJS reconciler's JavaScript, where
// such a string could appear as data) are skipped by their section sizes.
import { WIT_PACKAGE } from '../../src/protocol/version.ts';

/** The component's bytes do not say which WIT version it was built against. */
export class ComponentWitUnknown extends Error {
  override readonly name = 'ComponentWitUnknown';
}

const IMPORT_SECTION = 10;
// `\0asm`, version 0x0d 0x00, layer 0x01 0x00: a component, not a core module.
const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

function leb128(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let at = offset;
  for (;;) {
    const byte = bytes[at];
    if (byte === undefined || shift > 28)
      throw new ComponentWitUnknown(`truncated section size at byte ${offset}`);
    value += (byte & 0x7f) * 2 ** shift;
    at++;
    if ((byte & 0x80) === 0) return { value, next: at };
    shift += 7;
  }
}

/**
 * The version in every `zeroloop:reconciler/<interface>@<version>` the component imports. Throws
 * ComponentWitUnknown (naming `what`) when the bytes are not a component, import nothing of the
 * package, or name two versions.
 */
export function componentWitVersion(bytes: Uint8Array, what: string): string {
  if (!COMPONENT_PREAMBLE.every((b, i) => bytes[i] === b)) {
    throw new ComponentWitUnknown(
      `${what} is not a WebAssembly component (its first bytes are not a component's preamble)`,
    );
  }
  const name = new RegExp(`${WIT_PACKAGE}/[a-z][a-z0-9-]*@([0-9A-Za-z.+-]+)`, 'g');
  const versions = new Set<string>();
  let at = COMPONENT_PREAMBLE.length;
  while (at < bytes.length) {
    const id = bytes[at] ?? 0;
    const size = leb128(bytes, at + 1);
    const end = size.next + size.value;
    if (end > bytes.length)
      throw new ComponentWitUnknown(`${what}: section ${id} at byte ${at} runs past the end`);
    if (id === IMPORT_SECTION) {
      const text = Buffer.from(bytes.subarray(size.next, end)).toString('latin1');
      for (const m of text.matchAll(name)) if (m[1] !== undefined) versions.add(m[1]);
    }
    at = end;
  }
  const [version, ...others] = [...versions];
  if (version === undefined) {
    throw new ComponentWitUnknown(
      `${what} imports no interface of ${WIT_PACKAGE}: build it for world \`reconciler\` of wit/reconciler.wit`,
    );
  }
  if (others.length > 0) {
    throw new ComponentWitUnknown(
      `${what} imports ${WIT_PACKAGE} at several versions (${[...versions].join(', ')})`,
    );
  }
  return version;
}
