import { describe, expect, it } from 'vitest';
import { compilePipelineOptions } from './pipeline-options.js';

describe('pipeline options', () => {
  it('fills defaults, and keeps several batches inside the flow-control window', () => {
    const options = compilePipelineOptions({ subscription: 's', maxOutstandingMessages: 8_000 });
    expect(options.flushMaxRecords).toBe(1_000);
    expect(options.maxConcurrentFlushes).toBe(7);
    expect(options.maxOutstandingMessages).toBe(8_000);
    expect(options.workerId).toMatch(/^[0-9a-f]{8}$/);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('rejects a value that is not positive, naming it', () => {
    expect(() => compilePipelineOptions({ subscription: 's', flushMaxAgeMs: 0 })).toThrow(
      /flushMaxAgeMs must be > 0/,
    );
  });
});
