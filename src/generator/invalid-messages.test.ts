import { describe, expect, it } from 'vitest';
import { MessageChecker } from '../contract/message-checker.js';
import { INVALID_KINDS } from './invalid-messages.js';
import { RandomSource } from './random-source.js';
import { buildReferenceUniverse } from './reference-universe.js';
import { sampleEvent } from './sample-event.js';
import { sharedUserAgentPool } from './user-agent-pool.js';

const universe = buildReferenceUniverse({ seed: 42, customers: 50, products: 40 });
// Pinned "now": the samples' 2025 times stay valid whatever day the tests run.
const checker = new MessageChecker({ now: () => Date.parse('2025-06-01T00:00:00Z') });

describe('invalid message kinds', () => {
  it('have unique names', () => {
    expect(new Set(INVALID_KINDS.map((k) => k.name)).size).toBe(INVALID_KINDS.length);
  });

  const cases = INVALID_KINDS.flatMap((kind) => kind.types.map((type) => [kind.name, type, kind] as const));
  it.each(cases)(
    '%s made from a %s event is rejected with its code, in every variant',
    (_name, type, kind) => {
      const rng = new RandomSource(11);
      // Many draws, so each kind's variants (which field, which bad value) all get checked.
      for (let i = 0; i < 60; i++) {
        const sample = sampleEvent(type, universe, sharedUserAgentPool(), rng, '2025-03-01T10:20:30.456Z');
        expect(checker.check(Buffer.from(JSON.stringify(sample))).ok).toBe(true);
        const bytes = kind.make(sample, rng);
        const result = checker.check(bytes);
        expect(result.ok ? 'accepted' : result.failure.code, bytes.toString('latin1').slice(0, 300)).toBe(
          kind.code,
        );
      }
    },
  );
});
