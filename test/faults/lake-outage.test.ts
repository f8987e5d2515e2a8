import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import type { MessageBus } from '../../src/bus/message-bus.js';
import { GcsLake } from '../../src/lake/gcs/gcs-lake.js';
import type { PipelineStats } from '../../src/pipeline/streaming-pipeline.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { FakeGcsServer } from '../support/fake-gcs-server.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { waitFor, type HealthAnswer } from '../support/ops-client.js';
import type { CliResult } from '../support/run-cli.js';
import { SmallDisk } from '../support/small-disk.js';
import { startPipelineProcess, statsOf } from './pipeline-process.js';
import { PublishedWaves } from './published-waves.js';
import { startPipelineInProcess, type RunningPipeline } from './running-pipeline.js';

/**
 * Root ignores file modes, so a root test process runs the pipeline as `nobody` (uid 65534) to meet
 * them; any other user meets them as itself.
 */
const NOBODY = process.getuid?.() === 0 ? 65534 : undefined;

/**
 * Permission denied for real: the pipeline runs as `nobody` (a child process started with that uid)
 * and the lake's output folder is made read-only. Every lake write fails with EACCES; the pipeline
 * keeps the batch and retries, /healthz says 503 naming the lake; once the folder is writable again
 * it catches up, and `--exit-when-idle` exits 0 with everything processed once.
 */
describe('lake permission denied (pipeline as an unprivileged process)', () => {
  let stack: LocalStack;
  let waves: PublishedWaves;
  let unhealthy: HealthAnswer;
  let failuresWhileDenied = 0;
  let blockedMetric = -1;
  let ackedWhileDenied = -1;
  let result: CliResult;

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(2_000);
    await bus.close();
    const output = join(lakeDirOf(stack.dir), 'output');
    mkdirSync(output, { recursive: true });
    if (NOBODY !== undefined) execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, stack.dir]);
    execFileSync('chmod', ['a-w', output]); // even its owner may not create anything in it now

    const pipeline = await startPipelineProcess(stack.flags, {
      uid: NOBODY,
      args: ['--exit-when-idle', '--idle', '2s'],
      env: { HOME: tmpdir() },
    });
    try {
      unhealthy = await pipeline.ops.healthWith(503, { failing: 'lake', timeoutMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      failuresWhileDenied = await pipeline.ops.metric('shopstream_sink_failures_total', { sink: 'lake' });
      blockedMetric = await pipeline.ops.metric('shopstream_sink_blocked', {
        sink: 'lake',
        code: 'SHOP_E_LAKE_WRITE',
      });
      ackedWhileDenied = (await pipeline.ops.health())!.stats.acked;
    } finally {
      execFileSync('chmod', ['u+w', output]);
    }
    result = await pipeline.done;
  }, 150_000);
  afterAll(() => stack?.remove());

  it('answers 503 naming the lake with EACCES while the folder is read-only, as blocked with the fix', () => {
    expect(unhealthy.failing.lake).toMatch(/EACCES/);
    expect(unhealthy.blocked.lake).toMatchObject({
      code: 'SHOP_E_LAKE_WRITE',
      fix: expect.stringMatching(/permissions.*resumes on its own/),
    });
    expect(blockedMetric).toBe(1);
  });

  it('retries instead of giving up or acking: failures counted, nothing acked', () => {
    expect(failuresWhileDenied).toBeGreaterThan(1);
    expect(ackedWhileDenied).toBe(0);
  });

  it('recovers on its own once the folder is writable, and exits 0 when drained', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(statsOf(result).acked).toBe(waves.total);
  });

  it('every event is in the views and the lake exactly once (lake lines deduplicated by event_id)', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix);
  });
});

const canMount = SmallDisk.supported();

/**
 * Disk full for real: the lake folder is a small tmpfs that the test fills up. Lake writes fail with
 * ENOSPC (and leave no temp files behind); once space is freed the same pipeline catches up.
 */
describe.runIf(canMount)('lake disk full (real tmpfs)', () => {
  let stack: LocalStack;
  let disk: SmallDisk;
  let bus: MessageBus;
  let waves: PublishedWaves;
  let running: RunningPipeline;
  let unhealthy: HealthAnswer;
  const failures: number[] = [];
  let ackedWhileFull = -1;
  let healthy: HealthAnswer;
  let stats: PipelineStats;

  beforeAll(async () => {
    stack = await createLocalStack();
    disk = SmallDisk.mount(lakeDirOf(stack.dir), 16);
    bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    running = await startPipelineInProcess(stack.config);
    await waitFor('the first wave written', () => running.pipeline.stats.acked === 1_000, 30_000);

    disk.fill();
    await waves.publish(2_000);
    unhealthy = await running.ops.healthWith(503, { failing: 'lake' });
    failures.push(await running.ops.metric('shopstream_sink_failures_total', { sink: 'lake' }));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    failures.push(await running.ops.metric('shopstream_sink_failures_total', { sink: 'lake' }));
    ackedWhileFull = running.pipeline.stats.acked;

    disk.free();
    healthy = await running.ops.healthWith(200, { timeoutMs: 40_000 });
    await running.pipeline.drained();
    stats = await running.stop();
    await bus.close();
  }, 120_000);
  afterAll(async () => {
    await running?.stop(1_000); // after a failed run; a no-op when it stopped already
    await bus?.close();
    disk?.unmount();
    stack?.remove();
  });

  it('answers 503 naming the lake with ENOSPC while the disk is full', () => {
    expect(unhealthy.failing.lake).toMatch(/ENOSPC/);
  });

  it('keeps retrying and acks nothing of the second wave meanwhile', () => {
    expect(failures[0]).toBeGreaterThan(0);
    expect(failures[1]).toBeGreaterThan(failures[0]!);
    expect(ackedWhileFull).toBe(1_000);
  });

  it('recovers on its own once space is freed: 200, everything acked, nothing redelivered', () => {
    expect(healthy.healthy).toBe(true);
    expect(stats.received).toBe(waves.total);
    expect(stats.acked).toBe(waves.total);
  });

  it('every event is in the views and the lake exactly once (lake lines deduplicated by event_id)', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix);
  });
});

/**
 * Uploads the fake server refuses with 503: several of the pipeline's attempts (each uploads a file
 * per event type and minute, and the DLQ file). The client's own retries are off here, so what is
 * tested is the pipeline's retrying, not the library's.
 */
const REFUSED_UPLOADS = 20;

/**
 * The Cloud Storage lake (the real GcsLake and @google-cloud/storage, against the local fake of the
 * JSON API) answers 503 to every upload for a while: the pipeline retries until uploads go through
 * again, and every event ends up once in the views and in the bucket.
 */
describe('Cloud Storage lake answering 503 for a while', () => {
  let stack: LocalStack;
  let gcs: FakeGcsServer;
  let bus: MessageBus;
  let waves: PublishedWaves;
  let running: RunningPipeline;
  let unhealthy: HealthAnswer;
  let healthy: HealthAnswer;
  let failures = 0;
  let stats: PipelineStats;
  let bucketCopy: string;

  beforeAll(async () => {
    stack = await createLocalStack();
    gcs = await FakeGcsServer.start({ buckets: ['lake'] });
    bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    const lake = new GcsLake({
      uri: 'gs://lake/prod',
      bucket: 'lake',
      prefix: 'prod',
      apiEndpoint: gcs.url,
      maxRetries: 0,
    });
    running = await startPipelineInProcess(stack.config, { lake });
    await waitFor('the first wave written', () => running.pipeline.stats.acked === 1_000, 30_000);

    gcs.failNext(REFUSED_UPLOADS, 503, 'upload');
    await waves.publish(2_000);
    unhealthy = await running.ops.healthWith(503, { failing: 'lake' });
    healthy = await running.ops.healthWith(200, { timeoutMs: 60_000 });
    failures = await running.ops.metric('shopstream_sink_failures_total', { sink: 'lake' });
    await running.pipeline.drained();
    stats = await running.stop();
    await bus.close();
    // The bucket, copied into a folder, so the file-lake checks read it.
    bucketCopy = mkdtempSync(join(tmpdir(), 'shopstream-bucket-'));
    for (const [name, object] of gcs.objects('lake')) {
      const path = join(bucketCopy, name.slice('prod/'.length));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, object.data);
    }
  }, 120_000);
  afterAll(async () => {
    await running?.stop(1_000); // after a failed run; a no-op when it stopped already
    await bus?.close();
    await gcs?.close();
    stack?.remove();
    if (bucketCopy) rmSync(bucketCopy, { recursive: true, force: true });
  });

  it('answers 503 naming the lake while uploads fail, and 200 after', () => {
    expect(unhealthy.failing.lake).toMatch(/cannot upload gs:\/\/lake\/prod\/output\//);
    expect(healthy.healthy).toBe(true);
  });

  it('really failed those uploads, counted the failed flushes, and used no other API', () => {
    expect(gcs.requestsOf('upload').filter((r) => r.status === 503)).toHaveLength(REFUSED_UPLOADS);
    expect(failures).toBeGreaterThan(0);
    expect(gcs.unsupported).toEqual([]);
  });

  it('acked everything once, with nothing redelivered', () => {
    expect(stats.received).toBe(waves.total);
    expect(stats.acked).toBe(waves.total);
  });

  it('every event is in the views and in the bucket exactly once (deduplicated by event_id)', async () => {
    await expectEveryEventAccountedFor(stack.config, bucketCopy, waves.mix);
  });
});
