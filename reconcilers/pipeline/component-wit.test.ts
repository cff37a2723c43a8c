// Tests of reading a component's WIT version: hand-made component bytes (what is read and what is skipped) and the built example components.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WIT_VERSION } from '../../src/protocol/version.ts';
import { ComponentWitUnknown, componentWitVersion } from './component-wit.ts';
import { BUILD_DIR } from './paths.ts';

const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** One section: id, LEB128 size, contents (sizes below 128 in these tests). */
function section(id: number, text: string): number[] {
  const body = [...Buffer.from(text, 'latin1')];
  assert.ok(body.length < 128);
  return [id, body.length, ...body];
}

const component = (...sections: number[][]) => new Uint8Array([...PREAMBLE, ...sections.flat()]);

describe('componentWitVersion', () => {
  test('componentWitVersion should read the version from the import section and skip every other section', () => {
    const bytes = component(
      section(0, 'component-type zeroloop:reconciler/types@9.9.9'),
      section(1, 'core module with the string zeroloop:reconciler/types@8.8.8 as data'),
      section(10, '\x01\x00\x1fzeroloop:reconciler/types@0.1.0\x05\x00'),
    );
    assert.equal(componentWitVersion(bytes, 'test'), '0.1.0');
  });

  test('componentWitVersion should refuse bytes that are no component, import nothing of the package, or two versions', () => {
    const fails = (bytes: Uint8Array, message: RegExp) => {
      assert.throws(
        () => componentWitVersion(bytes, 'x.wasm'),
        (e: unknown) => e instanceof ComponentWitUnknown && message.test(e.message),
      );
    };
    fails(
      new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
      /x\.wasm is not a WebAssembly component/,
    );
    fails(component(section(10, 'wasi:io/streams@0.2.0')), /imports no interface of zeroloop:reconciler/);
    fails(
      component(
        section(10, 'zeroloop:reconciler/types@0.1.0'),
        section(10, 'zeroloop:reconciler/more@0.2.0'),
      ),
      /at several versions \(0\.1\.0, 0\.2\.0\)/,
    );
    fails(new Uint8Array([...PREAMBLE, 10, 50, 1, 2]), /runs past the end/);
  });

  test('componentWitVersion should read the WIT version of wit/reconciler.wit from each built example (npm run build:reconcilers)', async () => {
    for (const name of ['website', 'database', 'website-go']) {
      const file = join(BUILD_DIR, 'reconcilers', name, 'component.wasm');
      const bytes = await readFile(file).catch(() =>
        assert.fail(`${file} is missing: run npm run build:reconcilers`),
      );
      assert.equal(componentWitVersion(bytes, file), WIT_VERSION, name);
    }
  });
});
