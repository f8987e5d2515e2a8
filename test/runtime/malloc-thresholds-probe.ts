/**
 * Run by malloc-thresholds.test.ts in a process of its own (`node --expose-gc --import tsx
 * malloc-thresholds-probe.ts fixed|default`): frees one 24 MiB Buffer (by default glibc then raises its
 * mmap threshold to 24 MiB), then holds thirty 2 MiB Buffers. Prints one JSON line with glibc's own
 * account (`mallinfo2`): how many of them it mapped on their own (given back to the system the moment
 * they are freed) and how many more bytes its heaps hand out. With `fixed`, fixMallocThresholds()
 * runs first.
 */
import koffi from 'koffi';
import { fixMallocThresholds } from '../../src/runtime/malloc-thresholds.js';

const libc = koffi.load('libc.so.6');
const fields = [
  'arena',
  'ordblks',
  'smblks',
  'hblks',
  'hblkhd',
  'usmblks',
  'fsmblks',
  'uordblks',
  'fordblks',
  'keepcost',
];
koffi.struct('mallinfo2', Object.fromEntries(fields.map((name) => [name, 'size_t'])));
const mallinfo2 = libc.func('mallinfo2 mallinfo2()') as () => {
  hblks: number;
  uordblks: number;
};
const gc = (globalThis as { gc?: () => void }).gc!;

const fixed = process.argv[2] === 'fixed' ? await fixMallocThresholds() : false;
const freeLargeBuffer = async (): Promise<void> => {
  Buffer.allocUnsafeSlow(24 * 2 ** 20).fill(1);
  // V8 frees a collected Buffer's memory on a task of its own, a moment after the collection.
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
await freeLargeBuffer();

const before = mallinfo2();
const held = Array.from({ length: 30 }, () => Buffer.allocUnsafeSlow(2 * 2 ** 20).fill(1));
const after = mallinfo2();
process.stdout.write(
  `${JSON.stringify({
    fixed,
    mappedOnTheirOwn: Number(after.hblks) - Number(before.hblks),
    // Bytes in use, not the heaps' size: how much they grow depends on whether free space (the 24 MiB
    // Buffer's, when it came from a heap) was still there to reuse or had been trimmed away.
    heapInUseGrowthMb: Math.round((Number(after.uordblks) - Number(before.uordblks)) / 2 ** 20),
    held: held.length,
  })}\n`,
);
