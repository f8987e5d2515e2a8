import type { MessageBus, ReceivedMessage, Subscriber } from '../bus/message-bus.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { archiveFileName, type ArchiveDatetimeFormat } from './archive-file-name.js';

const NEWLINE = Buffer.from('\n');

/** Options of a {@link HistoryArchiver}; the defaults are a Cloud Storage subscription's. */
export interface HistoryArchiverOptions {
  readonly bus: MessageBus;
  /** Where files go (file: folder or gs:// bucket). */
  readonly archive: Lake;
  readonly subscription: string;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  /** Close a file this long after it was opened. Default 60 s. */
  readonly maxDurationMs?: number;
  /**
   * A file holds at most this many bytes (newlines included); a single larger message gets a file of
   * its own. Default 100 MiB.
   */
  readonly maxBytes?: number;
  /** Close a file after this many messages. Default 1,000,000. */
  readonly maxMessages?: number;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly datetimeFormat?: ArchiveDatetimeFormat;
  /** Flow control; a file also closes when it holds this much, so the bus never stalls on a full file. */
  readonly maxOutstandingMessages?: number;
  readonly maxOutstandingBytes?: number;
}

/**
 * The local twin of a Pub/Sub Cloud Storage subscription: consumes the history subscription and writes
 * the raw payloads, one per line, to `events_<UTC date-time>_<id>.json` files, acking only after the
 * file is durable. A file closes at max duration, max bytes or max messages (and on shutdown).
 *
 * Like Google's text format it writes payload bytes as they are, followed by a newline, so a payload
 * that itself holds a raw newline (pretty-printed JSON) would span lines; shopstream's producers never
 * send one.
 */
export class HistoryArchiver {
  /** `received`: deliveries so far; `messages`, `files`, `bytes`: written to durable files and acked. */
  readonly stats = { received: 0, messages: 0, files: 0, bytes: 0, failedWrites: 0 };
  private readonly maxDurationMs: number;
  private readonly maxBytes: number;
  private readonly maxMessages: number;
  private readonly maxOutstandingMessages: number;
  private readonly maxOutstandingBytes: number;
  private subscriber: Subscriber | undefined;
  private current:
    { openedAt: Date; messages: ReceivedMessage[]; bytes: number; timer: NodeJS.Timeout } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closing = false;
  private lateFlush: NodeJS.Immediate | undefined;
  /** Set when close() has waited long enough: a write still failing then gives its messages back. */
  private stopRetrying = false;

  constructor(private readonly options: HistoryArchiverOptions) {
    this.maxDurationMs = options.maxDurationMs ?? 60_000;
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.maxMessages = options.maxMessages ?? 1_000_000;
    this.maxOutstandingMessages = options.maxOutstandingMessages ?? 100_000;
    this.maxOutstandingBytes = options.maxOutstandingBytes ?? 256 * 1024 * 1024;
  }

  async start(): Promise<void> {
    await this.options.bus.describeSubscription(this.options.subscription);
    this.subscriber = this.options.bus.subscribe(this.options.subscription, (m) => this.receive(m), {
      flowControl: { maxMessages: this.maxOutstandingMessages, maxBytes: this.maxOutstandingBytes },
      onError: (error) =>
        this.options.logger.warn({ err: error }, 'archiver subscriber error; it keeps retrying'),
    });
  }

  /** See {@link Subscriber.drainableAt}: before it, a quiet subscription may still redeliver. */
  drainableAt(): number {
    return this.subscriber?.drainableAt() ?? 0;
  }

  private receive(message: ReceivedMessage): void {
    this.stats.received++;
    const size = message.data.length + 1;
    // A file never grows past maxBytes, unless one message alone is larger (as on Google's side).
    if (this.current && this.current.bytes + size > this.maxBytes) void this.closeFile();
    if (!this.current) {
      const timer = setTimeout(() => void this.closeFile(), this.maxDurationMs);
      this.current = { openedAt: new Date(), messages: [], bytes: 0, timer };
    }
    const file = this.current;
    file.messages.push(message);
    file.bytes += size;
    // Close early when the file holds as much as flow control lets us hold, or the bus would stall.
    if (
      file.bytes >= this.maxBytes ||
      file.messages.length >= this.maxMessages ||
      file.messages.length >= this.maxOutstandingMessages * 0.9 ||
      file.bytes >= this.maxOutstandingBytes * 0.9
    )
      void this.closeFile();
    // While closing, a late delivery is written at once (with any others of the same tick) rather than
    // after max duration: the subscriber's close() waits for it to be acked, and a nack would hand it
    // straight back (on Pub/Sub spending a delivery attempt).
    else if (this.closing && !this.lateFlush)
      this.lateFlush = setImmediate(() => {
        this.lateFlush = undefined;
        void this.closeFile();
      });
  }

  private closeFile(): Promise<void> {
    const file = this.current;
    if (file) {
      this.current = undefined;
      clearTimeout(file.timer);
      this.chain = this.chain.then(() => this.writeUntilDurable(file.openedAt, file.messages, file.bytes));
    }
    return this.chain;
  }

  private async writeUntilDurable(openedAt: Date, messages: ReceivedMessage[], bytes: number): Promise<void> {
    const name = archiveFileName(openedAt, {
      prefix: this.options.prefix ?? 'events_',
      suffix: this.options.suffix ?? '.json',
      datetimeFormat: this.options.datetimeFormat ?? 'YYYY-MM-DDTHH:mm:ssZ',
    });
    // Each payload and its newline are pieces of the file, not copied into one Buffer first: a file
    // holds tens of MB at a few thousand events/s, and that copy doubled what its payloads take.
    const content: Uint8Array[] = [];
    for (const m of messages) content.push(m.data, NEWLINE);
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.archive.writeFile(name, content);
        break;
      } catch (error) {
        this.stats.failedWrites++;
        this.options.telemetry.emit('sink:failed', { sink: 'archive', error: error as Error });
        if (this.stopRetrying) {
          for (const m of messages) m.nack();
          this.options.logger.error(
            { err: error, messages: messages.length },
            'archive write still failing at shutdown; nacked',
          );
          return;
        }
        // Short waits while closing, so the close deadline is noticed soon.
        const backoff = Math.min(this.closing ? 1_000 : 30_000, 200 * 2 ** Math.min(attempt, 10));
        this.options.logger.warn(
          { err: error, attempt: attempt + 1, backoffMs: backoff },
          'archive write failed; retrying',
        );
        for (const m of messages) m.modifyAckDeadline(Math.ceil(backoff / 1000) + 60);
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
    for (const m of messages) m.ack();
    this.stats.messages += messages.length;
    this.stats.files++;
    this.stats.bytes += bytes;
    this.options.telemetry.emit('sink:flushed', {
      sink: 'archive',
      records: messages.length,
      bytes,
      ms: performance.now() - started,
    });
    this.options.logger.debug({ file: name, messages: messages.length, bytes }, 'archive file written');
  }

  /** Writes and acks the open file now, without waiting for its max duration. */
  flush(): Promise<void> {
    return this.closeFile();
  }

  /**
   * Stops pulling, writes and acks the open file, and resolves once the subscriber is closed. The
   * subscriber's close() lets acks land while it waits for delivered messages, so the file is written
   * inside it; messages that still arrive meanwhile are written too, never nacked. A write that keeps
   * failing is retried until `deadlineMs`; its messages are then nacked for redelivery.
   */
  async close(deadlineMs = 25_000): Promise<void> {
    if (this.closing) return this.chain;
    this.closing = true;
    const timer = setTimeout(() => (this.stopRetrying = true), deadlineMs);
    try {
      const subscriberClosed = this.subscriber?.close() ?? Promise.resolve();
      await this.closeFile();
      await subscriberClosed;
      // Anything delivered while the subscriber was closing.
      clearImmediate(this.lateFlush);
      this.lateFlush = undefined;
      await this.closeFile();
    } finally {
      clearTimeout(timer);
    }
  }
}
