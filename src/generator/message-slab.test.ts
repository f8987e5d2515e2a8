import { describe, expect, it } from 'vitest';
import { MessageSlab } from './message-slab.js';

describe('MessageSlab', () => {
  it('encodes the same UTF-8 bytes as Buffer.from, across slab boundaries, and keeps earlier messages intact', () => {
    const slab = new MessageSlab();
    const texts = Array.from(
      { length: 6_000 },
      (_, i) => `{"n":${i},"city":"Zürich 東京 ${'x'.repeat(i % 400)}"}`,
    );
    const encoded = texts.map((t) => slab.encode(t));
    texts.forEach((t, i) => expect(encoded[i]!.equals(Buffer.from(t))).toBe(true));
    const huge = 'y'.repeat(2 * 1024 * 1024);
    expect(slab.encode(huge).length).toBe(huge.length);
  });
});
