import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode.js';
import { MAX_JSON_DEPTH } from './json-structure.js';

const MAX = 1024 * 1024;
const decode = (input: string | Uint8Array, max = MAX) =>
  decodeMessage(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, max);
const codeOf = (input: string | Uint8Array, max = MAX): string => {
  const result = decode(input, max);
  return result.ok ? 'ok' : result.failure.code;
};

describe('decodeMessage', () => {
  it('returns the object and its text for a well-formed message', () => {
    const result = decode('{"event_type":"order","n":1}');
    expect(result.ok && result.value).toEqual({ event_type: 'order', n: 1 });
    expect(result.ok && result.text).toBe('{"event_type":"order","n":1}');
  });

  it('rejects an empty message', () => {
    expect(codeOf(new Uint8Array(0))).toBe('SHOP_E_DECODE_EMPTY');
  });

  it('rejects a message over the size limit, and accepts one at it', () => {
    const text = `{"a":"${'x'.repeat(100)}"}`;
    expect(codeOf(text, text.length - 1)).toBe('SHOP_E_DECODE_TOO_LARGE');
    expect(codeOf(text, text.length)).toBe('ok');
  });

  it('rejects a UTF-8 byte-order mark', () => {
    expect(codeOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))).toBe(
      'SHOP_E_DECODE_BOM',
    );
  });

  it.each([
    ['a Latin-1 byte', Buffer.from('{"city":"Zürich"}', 'latin1')],
    ['a lone continuation byte', Buffer.from([0x7b, 0x80, 0x7d])],
    ['an overlong encoding of "/"', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d])],
    ['an encoded UTF-16 surrogate', Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])],
    ['a sequence cut short at the end', Buffer.from([0x7b, 0x22, 0xe2, 0x82])],
    ['0xFF', Buffer.from([0xff])],
  ])('rejects invalid UTF-8: %s', (_name, bytes) => {
    expect(codeOf(bytes)).toBe('SHOP_E_DECODE_UTF8');
  });

  it('accepts valid multi-byte UTF-8', () => {
    expect(codeOf('{"city":"Zürich 東京 🛒"}')).toBe('ok');
  });

  it.each([
    ['truncated', '{"event_type":"order","status":"pen'],
    ['a trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
    ['an unquoted key', '{a:1}'],
    ['NaN', '{"a":NaN}'],
    ['Infinity', '{"a":Infinity}'],
    ['a leading zero', '{"a":01}'],
    ['two objects', '{"a":1}{"a":2}'],
    ['nothing but whitespace', '   '],
  ])('rejects malformed JSON: %s', (_name, text) => {
    expect(codeOf(text)).toBe('SHOP_E_DECODE_JSON');
  });

  it.each([
    ['an array', '[{"event_type":"order"}]'],
    ['a string', '"{\\"event_type\\":\\"order\\"}"'],
    ['a number', '42'],
    ['a boolean', 'true'],
    ['null', 'null'],
  ])('rejects JSON that is not an object: %s', (_name, text) => {
    const result = decode(text);
    expect(result.ok ? 'ok' : result.failure.code).toBe('SHOP_E_DECODE_NOT_OBJECT');
    expect(!result.ok && result.failure.message).toContain('not an object');
  });

  it.each([
    ['at the top', '{"status":"pending","a":1,"status":"delivered"}', '/status'],
    ['in a nested object', '{"metadata":{"platform":"web","platform":"mobile"}}', '/metadata/platform'],
    ['in an array element', '{"items":[{"p":1},{"p":2,"p":3}]}', '/items/1/p'],
    ['spelled with an escape', '{"status":"a","\\u0073tatus":"b"}', '/status'],
  ])('rejects a duplicate key %s, with its JSON Pointer', (_name, text, path) => {
    const result = decode(text);
    expect(result.ok ? 'ok' : result.failure.code).toBe('SHOP_E_DECODE_DUPLICATE_KEY');
    expect(!result.ok && result.failure.path).toBe(path);
  });

  it('does not mistake keys in different objects, or key-like text inside strings, for duplicates', () => {
    expect(codeOf('{"a":{"x":1},"b":{"x":2},"items":[{"x":1},{"x":2}]}')).toBe('ok');
    expect(codeOf('{"note":"\\"note\\": twice","x":"{\\"x\\":1}"}')).toBe('ok');
  });

  it.each([
    ['__proto__ at the top', '{"event_type":"order","__proto__":{"admin":true}}', '/__proto__'],
    ['constructor nested', '{"metadata":{"constructor":{"prototype":1}}}', '/metadata/constructor'],
    ['prototype in an array element', '{"items":[{"prototype":1}]}', '/items/0/prototype'],
  ])('rejects a forbidden key: %s', (_name, text, path) => {
    const result = decode(text);
    expect(result.ok ? 'ok' : result.failure.code).toBe('SHOP_E_DECODE_FORBIDDEN_KEY');
    expect(!result.ok && result.failure.path).toBe(path);
  });

  it(`rejects nesting deeper than ${MAX_JSON_DEPTH} levels, and accepts ${MAX_JSON_DEPTH}`, () => {
    const nest = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    expect(codeOf(nest(MAX_JSON_DEPTH))).toBe('ok');
    expect(codeOf(nest(MAX_JSON_DEPTH + 1))).toBe('SHOP_E_DECODE_JSON');
    expect(codeOf(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`)).toBe('SHOP_E_DECODE_JSON');
  });
});
