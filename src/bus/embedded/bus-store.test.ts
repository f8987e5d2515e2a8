/**
 * BusStore with a virtual clock: lease take-over and seek by publish time, on a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResult } from './bus-delivery.js';
import { BusStore } from './bus-store.js';
import { compileSubscriptionConfig } from './subscription-config.js';

let directory: string;
let store: BusStore;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'shopstream-bus-store-'));
  store = new BusStore(directory, { synchronous: 'normal' });
  store.ensureTopic('t');
});
afterEach(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

const LIMITS = { maxMessages: 100, maxBytes: 1 << 20, oversize: true };
const T0 = 1_700_000_000_000;

function pull(nowMs: number): PullResult {
  const result = store.write(() => store.pull('s', LIMITS, nowMs));
  if (result === 'missing') throw new Error('subscription missing');
  return result;
}

function delivered(result: PullResult): { seq: number; attempt: number }[] {
  return [
    ...result.redelivered.map((r) => ({ seq: r.seq, attempt: r.attempt })),
    ...(result.batch?.rows ?? []).map(([seq]) => ({ seq, attempt: 1 })),
  ];
}

function publish(nowMs: number, ...texts: string[]): number[] {
  const { firstSeq } = store.publish(
    't',
    texts.map((t) => ({ data: Buffer.from(t), attributes: null })),
    nowMs,
  );
  return texts.map((_, i) => firstSeq + i);
}

describe('BusStore', () => {
  it('settlements from a consumer whose lease was taken over change nothing', () => {
    store.ensureSubscription(compileSubscriptionConfig({ name: 's', topic: 't', ackDeadlineSeconds: 0.1 }));
    const [seq] = publish(T0, 'contested');
    const first = pull(T0);
    expect(delivered(first)).toEqual([{ seq, attempt: 1 }]);
    // The first lease runs out; another consumer gets the message.
    const second = pull(T0 + 200);
    expect(delivered(second)).toEqual([{ seq, attempt: 2 }]);

    // The first consumer's late nack and ack name its own, expired delivery.
    const stale = { seq: seq!, delivery: first.deliveryId };
    store.write(() =>
      store.settle(
        's',
        [
          { kind: 'lease', ...stale, fromBatch: true, attempt: 1, nack: true, deadlineMs: 0 },
          { kind: 'ack', ...stale },
          { kind: 'batch', delivery: first.deliveryId, settled: Buffer.from([1]), complete: true },
        ],
        T0 + 210,
        { deadLettered: [] },
      ),
    );
    expect(delivered(pull(T0 + 250))).toEqual([]); // still leased to the second consumer
    expect(store.describeSubscription('s').backlog).toBe(1); // not acked either
    expect(delivered(pull(T0 + 400))).toEqual([{ seq, attempt: 3 }]);
  });

  it('seek finds the first message at or after a time, among messages published over time', () => {
    store.ensureSubscription(compileSubscriptionConfig({ name: 's', topic: 't' }));
    const seqs = [0, 10, 20, 20, 30, 40].map((offset, i) => publish(T0 + offset, `m${i}`)[0]!);
    for (const [time, from] of [
      [T0 - 1, 0],
      [T0, 0],
      [T0 + 5, 1],
      [T0 + 20, 2],
      [T0 + 21, 4],
      [T0 + 40, 5],
    ] as const) {
      store.seek('s', time);
      expect(
        delivered(pull(T0 + 1000)).map((d) => d.seq),
        `seek to +${time - T0} ms`,
      ).toEqual(seqs.slice(from));
    }
    store.seek('s', T0 + 41);
    expect(delivered(pull(T0 + 1000))).toEqual([]);
  });

  it('keeps publish time monotonic when the clock goes back', () => {
    store.ensureSubscription(compileSubscriptionConfig({ name: 's', topic: 't' }));
    publish(T0 + 500, 'a');
    publish(T0, 'b'); // clock stepped back
    const rows = pull(T0 + 1000).batch!.rows;
    expect(rows.map(([, publishMs]) => publishMs)).toEqual([T0 + 500, T0 + 500]);
  });

  it('hands out the payloads of a pull byte for byte, in order: empty ones, NUL bytes and invalid UTF-8 included', () => {
    store.ensureSubscription(compileSubscriptionConfig({ name: 's', topic: 't' }));
    let state = 7;
    const nextByte = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) >>> 24;
    const sent = Array.from({ length: 1_500 }, (_, i) =>
      Buffer.from(Array.from({ length: i % 7 === 0 ? 0 : (i * 37) % 900 }, nextByte)),
    );
    sent[1] = Buffer.from([0, 0xff, 0xc3, 0x28, 0x00, 0x0a]);
    store.publish(
      't',
      sent.map((data) => ({ data, attributes: null })),
      T0,
    );
    const received: Buffer[] = [];
    for (let result = pull(T0); result.batch; result = pull(T0))
      for (const [, , data] of result.batch.rows) received.push(Buffer.from(data));
    expect(received).toHaveLength(sent.length);
    for (const [i, data] of received.entries()) expect(data.equals(sent[i]!), `message ${i}`).toBe(true);
  });
});
