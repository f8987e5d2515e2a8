import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { TrafficGenerator } from '../generator/traffic-generator.js';
import { eventIdOf } from './event-id.js';

const event = Buffer.from(
  '{"event_type":"inventory","inventory_id":"0b5c3c0e-4a8e-4f7e-9d2a-1c2b3d4e5f60","product_id":"7e3f9a1c-2b4d-4e6f-8a0b-c1d2e3f40516","warehouse_id":"a1b2c3d4-e5f6-4789-8abc-def012345678","quantity_change":-2,"reason":"sale","timestamp":"2025-03-01T10:00:00.000Z"}',
);

describe('eventIdOf', () => {
  it('gives the same id for the same bytes, however they arrive', () => {
    expect(eventIdOf(Buffer.from(event.toString('utf8')))).toBe(eventIdOf(event));
    expect(eventIdOf(new Uint8Array(event))).toBe(eventIdOf(event));
    // A view into a larger buffer (as a batch reader hands it over) hashes only its own bytes.
    expect(
      eventIdOf(Buffer.concat([Buffer.from('xx'), event, Buffer.from('yy')]).subarray(2, 2 + event.length)),
    ).toBe(eventIdOf(event));
  });

  it('is the first 128 bits of SHA-256 over the bytes, as 32 lowercase hex digits', () => {
    const id = eventIdOf(event);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toBe(createHash('sha256').update(event).digest('hex').slice(0, 32));
  });

  it('gives different events different ids, even when they differ by one byte', () => {
    const other = Buffer.from(event.toString('utf8').replace('"quantity_change":-2', '"quantity_change":-3'));
    expect(eventIdOf(other)).not.toBe(eventIdOf(event));
    // Bytes, not meaning: re-serialized JSON is another message (the archive keeps the original bytes).
    const spaced = Buffer.from(event.toString('utf8').replace('{', '{ '));
    expect(eventIdOf(spaced)).not.toBe(eventIdOf(event));
  });

  it('gives 50,000 generated events 50,000 distinct ids', () => {
    const generator = new TrafficGenerator({ seed: 3, universe: buildReferenceUniverse({ seed: 42 }) });
    const ids = new Set(generator.take(50_000).map((m) => eventIdOf(m.data)));
    expect(ids.size).toBe(50_000);
  });
});
