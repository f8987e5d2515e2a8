import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { parseHeapSnapshot } from '../../bench/heap-snapshot.js';

/** A worker thread holding a known number of objects of a known class, and its heap snapshot. */
async function snapshotOfWorkerHolding(count: number): Promise<Buffer> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     class Leaky { constructor(i) { this.i = i; this.payload = 'payload-' + i; } }
     globalThis.held = [];
     for (let i = 0; i < ${count}; i++) globalThis.held.push(new Leaky(i));
     parentPort.postMessage('ready');
     setInterval(() => {}, 1000);`,
    { eval: true },
  );
  try {
    await new Promise((resolve) => worker.once('message', resolve));
    const chunks: Buffer[] = [];
    for await (const chunk of await worker.getHeapSnapshot()) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  } finally {
    await worker.terminate();
  }
}

describe('heap snapshot summary', () => {
  it('counts the objects of a class, what they retain, and what holds them', async () => {
    const snapshot = parseHeapSnapshot(await snapshotOfWorkerHolding(20_000));
    const leaky = snapshot.classes.find((c) => c.name === 'Leaky')!;
    expect(leaky.count).toBe(20_000);
    // Each holds its own payload string, so retained is more than their own size.
    expect(leaky.retainedBytes).toBeGreaterThan(leaky.selfBytes + 20_000 * 16);
    // The array holding them dominates them: it is what keeps them, and its retained size covers theirs.
    const holder = [...Array(snapshot.nodeCount).keys()].find(
      (node) => snapshot.className(node) === 'Leaky',
    )!;
    const array = snapshot.dominator[holder]!;
    expect(snapshot.className(array)).toBe('Array');
    expect(snapshot.retainedSize[array]).toBeGreaterThanOrEqual(leaky.retainedBytes);
  });
});
