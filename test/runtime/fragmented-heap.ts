/**
 * Run by native-memory-trim.test.ts in a process of its own (`node --expose-gc --import tsx`):
 * leaves ~190 MB of freed memory inside glibc's main heap, below a block still in use so that free()
 * cannot give it back from the top, then calls trimNativeMemory(). Prints one JSON line of RSS figures.
 */
import { trimNativeMemory } from '../../src/runtime/native-memory-trim.js';

const rssMb = (): number => Math.round(process.memoryUsage.rss() / 2 ** 20);
const gc = (globalThis as { gc?: () => void }).gc!;
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

const baseline = rssMb();
// 64 KiB blocks stay under glibc's mmap threshold, so they are carved from the heap.
const blocks: Buffer[] = Array.from({ length: 3_000 }, () => Buffer.allocUnsafeSlow(64 * 1024).fill(1));
const pinned = Buffer.allocUnsafeSlow(64 * 1024).fill(2);
const allocated = rssMb();
blocks.length = 0;
for (let i = 0; i < 3; i++) {
  gc();
  await settle();
}
const freed = rssMb();
const released = await trimNativeMemory();
const trimmed = rssMb();
// `pinned` is read here so that it is still alive, above the freed blocks, when the trim runs.
process.stdout.write(
  `${JSON.stringify({ baseline, allocated, freed, trimmed, released, pinned: pinned.length })}\n`,
);
