// Unit tests of the WIT shape reader used by the agreement test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { camel, pascal, witShapes, worldExports } from './wit-shapes.ts';

describe('wit-shapes', () => {
  test('camel and pascal should spell names as jco does, dropping the % keyword escape', () => {
    assert.equal(camel('match-labels'), 'matchLabels');
    assert.equal(camel('requeue-after-ms'), 'requeueAfterMs');
    assert.equal(camel('%type'), 'type');
    assert.equal(pascal('kind-ref'), 'KindRef');
  });

  test('witShapes should read records, options, variants with and without payloads, and enums, ignoring comments', () => {
    const text = `
      /// A thing, with a comment that mentions record fake { x: y }.
      record thing {
        // the name
        name: string,
        tags: list<tuple<string, u32>>,
        %type: option<list<string>>,
      }
      variant why { first, second(thing), third(option<string>) }
      enum colour { red, %green }
    `;
    assert.deepEqual(witShapes(text), {
      Thing: { kind: 'record', fields: { name: 'required', tags: 'required', type: 'optional' } },
      Why: { kind: 'variant', cases: { first: 'unit', second: 'payload', third: 'payload' } },
      Colour: { kind: 'enum', cases: ['red', 'green'] },
    });
  });

  test('witShapes should refuse a field it cannot read rather than skip it', () => {
    assert.throws(() => witShapes('record r { name string }'), /record r: cannot read field/);
  });

  test('worldExports should list exported functions only, past nested braces', () => {
    const text = `world w {
      use types.{a, b};
      import log: func(msg: string);
      export describe: func() -> a;
      export do-it: func(x: b) -> result<a, string>;
    }`;
    assert.deepEqual(worldExports(text, 'w'), ['describe', 'doIt']);
    assert.throws(() => worldExports(text, 'other'), /no world other/);
  });
});
