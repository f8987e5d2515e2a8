import { resolve } from 'node:path';

/** A topic id, or 'all' when every subscriber should look (after a seek). */
type Listener = (topic: number | 'all') => void;

/**
 * In-process wake-ups between embedded buses opened on the same folder: a publish wakes that
 * folder's subscribers at once instead of at their next poll. Other processes are not reached;
 * their subscribers notice new messages by polling.
 */
export class WakeSignal {
  private static readonly byFolder = new Map<string, WakeSignal>();
  private readonly listeners = new Set<Listener>();

  private constructor() {}

  /** The signal of a folder, shared by every bus of this process opened on it. */
  static of(directory: string): WakeSignal {
    const folder = resolve(directory);
    let signal = WakeSignal.byFolder.get(folder);
    if (!signal) {
      signal = new WakeSignal();
      WakeSignal.byFolder.set(folder, signal);
    }
    return signal;
  }

  /** Says that messages of `topicId` became available (published, nacked, replayed). */
  notify(topic: number | 'all'): void {
    for (const listener of this.listeners) listener(topic);
  }

  /** Calls `listener` on every notify until the returned function is called. */
  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    // Signals stay in the map when their last listener leaves: a bus may still hold this one to
    // notify, and a process opens few folders.
    return () => this.listeners.delete(listener);
  }
}
