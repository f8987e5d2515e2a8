import { describe, expect, it } from 'vitest';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { hostileCorpus } from './hostile-corpus.js';

// Pinned clock: "far future" and the corpus's 2025 timestamps stay what they are whatever the date.
const checker = new MessageChecker({ now: () => Date.parse('2025-06-01T12:00:00Z') });

describe('hostile corpus against the contract', () => {
  const corpus = hostileCorpus();

  it('has at least 40 kinds of bad message', () => {
    expect(corpus.filter((c) => c.expected !== undefined).length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = checker.check(c.bytes);
    if (c.expected === undefined) {
      expect(result.ok, JSON.stringify(!result.ok && result.failure)).toBe(true);
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.failure.code).toBe(c.expected);
    }
  });

  it('reports a JSON Pointer to the offending field', () => {
    const priceCase = corpus.find((c) => c.name === 'negative price')!;
    const result = checker.check(priceCase.bytes);
    expect(result.ok || result.failure.path).toBe('/items/0/price');
  });
});
