import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageBus, OutgoingMessage } from '../../src/bus/message-bus.js';
import { listFiles } from '../support/read-lake.js';

/** A bus whose publish() also keeps a copy of every payload published through it. */
export function recordingBus(bus: MessageBus): { bus: MessageBus; published: Buffer[] } {
  const published: Buffer[] = [];
  const recording = Object.create(bus) as MessageBus;
  recording.publish = (topic: string, messages: readonly OutgoingMessage[]) => {
    for (const m of messages) published.push(Buffer.from(m.data));
    return bus.publish(topic, messages);
  };
  return { bus: recording, published };
}

/** An archive file: its path under the archive folder and the payloads it holds, one a line. */
export interface ArchiveFile {
  readonly name: string;
  readonly bytes: number;
  readonly payloads: Buffer[];
}

/**
 * Every file of a local archive folder with its lines as exact bytes. Unlike an NDJSON reader it keeps
 * empty lines (empty payloads), and it checks each file ends with a newline, as the archiver writes.
 */
export function readArchive(dir: string): ArchiveFile[] {
  // Hidden files are a lake's temp files, which a crash may leave behind; they are not archive files.
  const names = listFiles(dir).filter((name) => !name.split('/').some((part) => part.startsWith('.')));
  return names.map((name) => {
    const data = readFileSync(join(dir, name));
    if (data.length === 0 || data[data.length - 1] !== 0x0a) throw new Error(`${name} does not end with \\n`);
    const payloads: Buffer[] = [];
    let start = 0;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
      payloads.push(data.subarray(start, end));
      start = end + 1;
    }
    return { name, bytes: data.length, payloads };
  });
}

/** Payloads as sorted hex strings: a multiset that compares byte for byte. */
export function asMultiset(payloads: readonly Buffer[]): string[] {
  return payloads.map((p) => p.toString('hex')).sort();
}
