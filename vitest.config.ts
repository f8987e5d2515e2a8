import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration suites start emulators and child processes, so run files two at a time.
    maxWorkers: 2,
    minWorkers: 1,
    pool: 'forks',
  },
});
