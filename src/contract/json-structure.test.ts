import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, checkJsonStructure, locateStructureFailure } from './json-structure.js';

/** JSON texts that often break the structure rules: repeated, forbidden and escaped keys, deep nesting. */
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'ab', 'id', '__proto__', 'constructor', 'prototype', 'a\\"b', '\\u0061', 'x\\\\'),
  fc.string({ maxLength: 4 }).map((k) => JSON.stringify(k).slice(1, -1)),
);
const { value } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('1', 'null', 'true', '"s"', '"{[,\\"]}"', '"\\\\"'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(key, tie('value')), { maxLength: 5 })
      .map((pairs) => `{${pairs.map(([k, v]) => `"${k}":${v}`).join(', ')}}`),
  ),
}));
const nested = fc
  .integer({ min: MAX_JSON_DEPTH - 2, max: MAX_JSON_DEPTH + 2 })
  .map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

describe('checkJsonStructure', () => {
  it('answers exactly as the exact pass, on texts made to break the rules', () => {
    fc.assert(
      fc.property(fc.oneof(value, nested), (text) => {
        JSON.parse(text); // the generator only makes well-formed JSON, which is all it is called on
        expect(checkJsonStructure(text)).toEqual(locateStructureFailure(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('finds a duplicate key after a nested object closes, and none across sibling objects', () => {
    expect(checkJsonStructure('{"a":{"b":1,"c":2},"d":[{"b":1},{"b":2}],"a":3}')?.code).toBe(
      'SHOP_E_DECODE_DUPLICATE_KEY',
    );
    expect(checkJsonStructure('{"a":{"b":1,"c":2},"d":[{"b":1},{"b":2}],"e":3}')).toBeUndefined();
  });
});
