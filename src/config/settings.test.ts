import { describe, expect, it } from 'vitest';
import { SETTINGS, envNameOf } from './settings.js';

describe('SETTINGS', () => {
  it.each(Object.entries(SETTINGS))(
    '%s: its default passes its own parser and it has a description',
    (_key, setting) => {
      const parsed = setting.parse(setting.default as never);
      expect(parsed).toEqual({ value: setting.default });
      expect(setting.description.length).toBeGreaterThan(10);
    },
  );

  it('gives every key its own environment variable', () => {
    const names = Object.keys(SETTINGS).map(envNameOf);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^SHOPSTREAM_[A-Z0-9_]+$/);
  });
});
