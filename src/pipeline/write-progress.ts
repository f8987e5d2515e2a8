import type { ContractFailure } from '../contract/contract-failure.js';

/** A message a sink refused for good, by its index in the batch, with the DLQ reason. */
export interface RefusedMessage {
  readonly index: number;
  readonly failure: ContractFailure;
}

/**
 * What of one batch is durable so far, kept across write attempts: a retry writes only the parts
 * that failed (a warehouse held up for an hour does not add a lake file per retry), and remembers the
 * messages a sink refused row by row, which still need their DLQ record.
 */
export class WriteProgress {
  private readonly durable = new Set<string>();
  readonly refused: RefusedMessage[] = [];

  has(part: string): boolean {
    return this.durable.has(part);
  }

  /** Runs `write` unless `part` is durable already, and marks it durable when it resolves. */
  async once(part: string, write: () => Promise<void>): Promise<void> {
    if (this.durable.has(part)) return;
    await write();
    this.durable.add(part);
  }

  markDurable(part: string): void {
    this.durable.add(part);
  }
}
