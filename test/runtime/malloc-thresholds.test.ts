import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const glibc = Boolean(
  (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime,
);

const probe = (mode: 'default' | 'fixed', env: NodeJS.ProcessEnv = {}): Record<string, unknown> => {
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      fileURLToPath(new URL('./malloc-thresholds-probe.ts', import.meta.url)),
      mode,
    ],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
  );
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as Record<string, unknown>;
};

describe.runIf(glibc)('fixed malloc thresholds (glibc)', () => {
  it('keeps large Buffers mapped on their own after a larger one was freed, where glibc would put them in its heap', () => {
    // By default freeing the 24 MiB Buffer raises the threshold: the 2 MiB ones come from the heap.
    const byDefault = probe('default');
    expect(byDefault).toMatchObject({ fixed: false, mappedOnTheirOwn: 0 });
    expect(byDefault.heapInUseGrowthMb).toBeGreaterThanOrEqual(58);
    // Fixed at 1 MiB: each is a mapping of its own, handed back to the system when it is freed.
    const fixed = probe('fixed');
    expect(fixed).toMatchObject({ fixed: true, mappedOnTheirOwn: 30 });
    expect(fixed.heapInUseGrowthMb).toBeLessThanOrEqual(2);
  });

  it('leaves thresholds the environment chose as they are, and says so', () => {
    const chosen = probe('fixed', { MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20) });
    expect(chosen.fixed).toBe('MALLOC_MMAP_THRESHOLD_ set in the environment');
    // glibc took the environment's 32 MiB: the 2 MiB Buffers come from its heap.
    expect(chosen.mappedOnTheirOwn).toBe(0);
    expect(chosen.heapInUseGrowthMb).toBeGreaterThanOrEqual(58);
  });
});
