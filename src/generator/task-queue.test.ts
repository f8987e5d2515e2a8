import { describe, expect, it } from 'vitest';
import { RandomSource } from './random-source.js';
import { TaskQueue } from './task-queue.js';

describe('TaskQueue', () => {
  it('pops tasks in time order, equal times in insertion order', () => {
    const queue = new TaskQueue();
    const rng = new RandomSource(2);
    const ran: [number, number][] = [];
    for (let i = 0; i < 2_000; i++) {
      const at = rng.int(0, 300);
      queue.schedule(at, { run: () => ran.push([at, i]) });
    }
    expect(queue.size).toBe(2_000);
    for (let entry = queue.pop(); entry; entry = queue.pop()) entry.task.run(entry.atMs);
    const sorted = [...ran].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(ran).toEqual(sorted);
    expect(queue.pop()).toBeUndefined();
  });
});
