/** Something that happens at a moment of simulated time: it emits events and may schedule more tasks. */
export interface Task {
  run(atMs: number): void;
}

interface Entry {
  readonly atMs: number;
  /** Insertion order: breaks ties so equal times run in a reproducible order. */
  readonly seq: number;
  readonly task: Task;
}

/**
 * The simulation's agenda: a binary min-heap of tasks by time, then insertion order. Stories that
 * run concurrently (many sessions, orders in transit, reorders) interleave in time order through it.
 */
export class TaskQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(atMs: number, task: Task): void {
    const heap = this.heap;
    const entry: Entry = { atMs, seq: this.seq++, task };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes and returns the earliest entry; undefined when empty. */
  pop(): { readonly atMs: number; readonly task: Task } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
