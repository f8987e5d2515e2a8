import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MIN_TIMESTAMP,
  compileContractOptions,
} from './contract-options.js';

describe('compileContractOptions', () => {
  it('applies the documented defaults and freezes the result', () => {
    const options = compileContractOptions();
    expect(options.minTimestampMs).toBe(Date.parse(DEFAULT_MIN_TIMESTAMP));
    expect(options.maxFutureMs).toBe(DEFAULT_MAX_FUTURE_MS);
    expect(options.maxMessageBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    expect(DEFAULT_MIN_TIMESTAMP).toBe('2000-01-01T00:00:00Z');
    expect(DEFAULT_MAX_FUTURE_MS).toBe(86_400_000);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('rejects values that make no sense, naming the option', () => {
    expect(() => compileContractOptions({ minTimestamp: 'soon' })).toThrow(/minTimestamp/);
    expect(() => compileContractOptions({ maxFutureMs: -1 })).toThrow(/maxFutureMs/);
    expect(() => compileContractOptions({ maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
  });
});
