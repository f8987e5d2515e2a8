import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS, envNameOf } from '../../src/config/settings.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import {
  blockOf,
  loadTerraformConfig,
  resourceOf,
  resourcesOfType,
  stringsIn,
  valueOf,
  type Block,
  type TerraformConfig,
} from './terraform-config.js';
import { TERRAFORM_ENV, evaluate, terraformInstalled } from './terraform-eval.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TF_DIR = join(ROOT, 'infra', 'terraform');
const HAS_TERRAFORM = terraformInstalled();

let tf: TerraformConfig;
beforeAll(async () => {
  tf = await loadTerraformConfig(TF_DIR);
});

/** Tests that run the terraform binary: required under CI, else skipped with a visible notice. */
function needsTerraform(ctx: { skip: () => void }): void {
  if (HAS_TERRAFORM) return;
  if (process.env.CI === 'true') throw new Error('terraform is not installed, but CI=true requires it');
  console.warn(
    'NOTICE: terraform is not installed: skipping the checks that run it (fmt, expression evaluation)',
  );
  ctx.skip();
}

/** The containers of the pipeline service. */
function containersOf(): Block[] {
  return blockOf(resourceOf(tf, 'google_cloud_run_v2_service', 'pipeline'), 'template').containers as Block[];
}

/** The pipeline's own container (the service also runs a metrics sidecar). */
function pipelineContainer(): Block {
  const container = containersOf().find((c) => c.name === 'pipeline');
  if (!container) throw new Error('no container named "pipeline" in the pipeline service');
  return container;
}

/** IAM member resources: type, name, role, member, and what they are granted on. */
function grants(
  config: TerraformConfig,
): { type: string; name: string; role: string; member: string; on: string }[] {
  return config.resources
    .filter((r) => r.type.endsWith('_iam_member') || r.type.endsWith('_iam_binding'))
    .map((r) => ({
      type: r.type,
      name: r.name,
      role: String(r.body.role),
      member: String(r.body.member ?? r.body.members),
      on: String(
        r.body.topic ??
          r.body.subscription ??
          r.body.bucket ??
          r.body.dataset_id ??
          r.body.name ??
          r.body.project,
      ),
    }));
}

describe('terraform fmt', () => {
  it('every .tf file is formatted canonically', (ctx) => {
    needsTerraform(ctx);
    const result = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', TF_DIR], {
      env: TERRAFORM_ENV,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr, 'run `terraform fmt -recursive infra/terraform`').not.toMatch(
      /^---/m,
    );
    expect(result.status).toBe(0);
  });
});

describe('names', () => {
  it('default to the names the CLI uses (the seed project names)', () => {
    const expected: Record<string, unknown> = {
      topic_name: SETTINGS.topic.default,
      subscription_name: SETTINGS.subscription.default,
      history_subscription_name: SETTINGS.historySubscription.default,
      dead_letter_topic_name: SETTINGS.deadLetterTopic.default,
      dead_letter_subscription_name: SETTINGS.deadLetterSubscription.default,
      max_delivery_attempts: SETTINGS.maxDeliveryAttempts.default,
      ack_deadline_seconds: SETTINGS.ackDeadlineSeconds.default,
      dataset_id: 'ecommerce',
    };
    for (const [variable, value] of Object.entries(expected))
      expect(tf.variables[variable]?.default, variable).toBe(value);
    expect(tf.variables.project_id, 'project_id is required').not.toHaveProperty('default');
  });

  it('derive the lake and backup buckets from the project id', (ctx) => {
    needsTerraform(ctx);
    expect(evaluate(tf, ROOT, '[local.lake_bucket, local.backup_bucket]', { project_id: 'demo-1' })).toEqual([
      'demo-1-shopstream-lake',
      'demo-1-shopstream-backup',
    ]);
  });
});

describe('Pub/Sub', () => {
  it('the history subscription is a Cloud Storage subscription writing events_*.json text files of at most 60 s into the backup bucket', () => {
    const history = resourceOf(tf, 'google_pubsub_subscription', 'history');
    expect(history.topic).toBe('${google_pubsub_topic.events.id}');
    expect(valueOf(tf, history.name)).toBe(SETTINGS.historySubscription.default);
    const storage = blockOf(history, 'cloud_storage_config');
    expect(storage.bucket).toBe('${google_storage_bucket.backup.name}');
    expect(storage.filename_prefix).toBe(SETTINGS['archive.filenamePrefix'].default);
    expect(storage.filename_suffix).toBe(SETTINGS['archive.filenameSuffix'].default);
    expect(storage.max_duration).toBe(`${SETTINGS['archive.maxDurationMs'].default / 1000}s`);
    // Text, not Avro: backfill reads the files as one raw message per line.
    expect(storage).not.toHaveProperty('avro_config');
    // Pub/Sub refuses a max_duration longer than the ack deadline.
    expect(Number(valueOf(tf, history.ack_deadline_seconds))).toBeGreaterThanOrEqual(60);
  });

  it('the pipeline subscription dead-letters after 5 attempts and retries with exponential backoff', () => {
    const pipeline = resourceOf(tf, 'google_pubsub_subscription', 'pipeline');
    expect(pipeline.topic).toBe('${google_pubsub_topic.events.id}');
    const deadLetter = blockOf(pipeline, 'dead_letter_policy');
    expect(deadLetter.dead_letter_topic).toBe('${google_pubsub_topic.dead_letter.id}');
    expect(valueOf(tf, deadLetter.max_delivery_attempts)).toBe(5);
    const retry = blockOf(pipeline, 'retry_policy');
    expect(valueOf(tf, retry.minimum_backoff)).toMatch(/^\d+s$/);
    expect(valueOf(tf, retry.maximum_backoff)).toMatch(/^\d+s$/);
    expect(valueOf(tf, pipeline.ack_deadline_seconds)).toBe(SETTINGS.ackDeadlineSeconds.default);
  });

  it('dead letters are not lost: the dead-letter topic has a subscription', () => {
    const inspection = resourceOf(tf, 'google_pubsub_subscription', 'dead_letter');
    expect(inspection.topic).toBe('${google_pubsub_topic.dead_letter.id}');
  });

  it('no subscription expires when its consumers are away', () => {
    for (const { name, body } of resourcesOfType(tf, 'google_pubsub_subscription'))
      expect(blockOf(body, 'expiration_policy').ttl, name).toBe('');
  });
});

describe('Cloud Storage', () => {
  it('every bucket has uniform bucket-level access and public access prevention enforced', () => {
    const buckets = resourcesOfType(tf, 'google_storage_bucket');
    expect(buckets.map((b) => b.name).sort()).toEqual(['backup', 'lake', 'source']);
    for (const { name, body } of buckets) {
      expect(body.uniform_bucket_level_access, name).toBe(true);
      expect(body.public_access_prevention, name).toBe('enforced');
    }
  });

  it('lifecycle rules move the lake to Nearline after 30 days and the backup to colder classes', () => {
    const classes = (bucket: string): [unknown, unknown][] =>
      (resourceOf(tf, 'google_storage_bucket', bucket).lifecycle_rule as Block[])
        .filter((rule) => blockOf(rule, 'action').type === 'SetStorageClass')
        .map((rule) => [blockOf(rule, 'action').storage_class, valueOf(tf, blockOf(rule, 'condition').age)]);
    expect(classes('lake')).toContainEqual(['NEARLINE', 30]);
    expect(classes('backup').map(([c]) => c)).toEqual(expect.arrayContaining(['COLDLINE', 'ARCHIVE']));
  });

  it('the backup bucket, the replay source, keeps old versions', () => {
    expect(blockOf(resourceOf(tf, 'google_storage_bucket', 'backup'), 'versioning').enabled).toBe(true);
  });
});

describe('IAM', () => {
  it('grants no primitive role anywhere', () => {
    const primitive = /\broles\/(owner|editor|viewer)\b/;
    const everything = stringsIn({ resources: tf.resources, locals: tf.locals, variables: tf.variables });
    expect(everything.filter((s) => primitive.test(s.text))).toEqual([]);
    for (const grant of grants(tf)) expect(grant.role, grant.name).toMatch(/^roles\/[a-zA-Z.]+$/);
  });

  it('grants nothing to allUsers or allAuthenticatedUsers', () => {
    const everything = stringsIn({ resources: tf.resources, locals: tf.locals });
    expect(everything.filter((s) => /allUsers|allAuthenticatedUsers/.test(s.text))).toEqual([]);
    expect(tf.variables.generator_invokers?.default).toEqual([]);
  });

  it('uses no service account keys and no credential files (ADC only)', () => {
    expect(resourcesOfType(tf, 'google_service_account_key')).toEqual([]);
    for (const provider of Object.values(tf.providers)) {
      expect(provider).not.toHaveProperty('credentials');
      expect(provider).not.toHaveProperty('access_token');
    }
    const everything = stringsIn({ resources: tf.resources, locals: tf.locals, providers: tf.providers });
    expect(everything.filter((s) => /GOOGLE_APPLICATION_CREDENTIALS|private_key/.test(s.text))).toEqual([]);
  });

  it('the generator may only publish to the topic', () => {
    const generator = grants(tf).filter((g) => g.member === '${google_service_account.generator.member}');
    expect(generator.map(({ role, on }) => ({ role, on }))).toEqual([
      { role: 'roles/pubsub.publisher', on: '${google_pubsub_topic.events.id}' },
    ]);
  });

  it('the pipeline reads its subscription, creates lake objects, edits the dataset and nothing broader', () => {
    const pipeline = grants(tf)
      .filter((g) => g.member === '${google_service_account.pipeline.member}')
      .map(({ type, role, on }) => `${type} ${role} ${on}`)
      .sort();
    expect(pipeline).toEqual(
      [
        'google_bigquery_dataset_iam_member roles/bigquery.dataEditor ${google_bigquery_dataset.warehouse.dataset_id}',
        'google_project_iam_member roles/bigquery.jobUser ${var.project_id}',
        'google_project_iam_member roles/monitoring.metricWriter ${var.project_id}',
        'google_pubsub_subscription_iam_member roles/pubsub.subscriber ${google_pubsub_subscription.pipeline.id}',
        'google_pubsub_subscription_iam_member roles/pubsub.viewer ${google_pubsub_subscription.pipeline.id}',
        'google_storage_bucket_iam_member roles/storage.objectCreator ${google_storage_bucket.lake.name}',
      ].sort(),
    );
  });

  it('the Pub/Sub service agent can dead-letter and write the history archive', () => {
    expect(tf.locals.pubsub_service_agent).toBe(
      'serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com',
    );
    const agent = grants(tf)
      .filter((g) => g.member === '${local.pubsub_service_agent}')
      .map(({ role, on }) => `${role} ${on}`)
      .sort();
    expect(agent).toEqual(
      [
        'roles/pubsub.publisher ${google_pubsub_topic.dead_letter.id}',
        'roles/pubsub.subscriber ${google_pubsub_subscription.pipeline.id}',
        'roles/storage.legacyBucketReader ${google_storage_bucket.backup.name}',
        'roles/storage.objectCreator ${google_storage_bucket.backup.name}',
      ].sort(),
    );
  });

  it('nobody may invoke the pipeline service', () => {
    const onPipeline = grants(tf).filter((g) => g.on.includes('google_cloud_run_v2_service.pipeline'));
    expect(onPipeline).toEqual([]);
  });
});

describe('Cloud Run pipeline', () => {
  it('keeps CPU allocated, takes min/max instances and the image from variables, and is internal only', () => {
    const service = resourceOf(tf, 'google_cloud_run_v2_service', 'pipeline');
    expect(service.ingress).toBe('INGRESS_TRAFFIC_INTERNAL_ONLY');
    const template = blockOf(service, 'template');
    expect(template.service_account).toBe('${google_service_account.pipeline.email}');
    const scaling = blockOf(template, 'scaling');
    expect(scaling.min_instance_count).toBe('${var.pipeline_min_instances}');
    expect(scaling.max_instance_count).toBe('${var.pipeline_max_instances}');
    const container = pipelineContainer();
    expect(container.image).toBe('${var.pipeline_image}');
    expect(blockOf(container, 'resources').cpu_idle).toBe(false);
    expect(blockOf(blockOf(container, 'startup_probe'), 'http_get').path).toBe('/healthz');
  });

  it('is configured by SHOPSTREAM_* variables the CLI knows', () => {
    const known = new Set(Object.keys(SETTINGS).map(envNameOf));
    const env = {
      ...(tf.locals.common_env as Block),
      ...(tf.locals.pipeline_own_env as Block),
      ...(tf.locals.generator_own_env as Block),
    };
    for (const name of Object.keys(env))
      expect(known.has(name), `${name} is not a shopstream setting`).toBe(true);
    const container = pipelineContainer();
    expect((container.dynamic as Record<string, Block[]>).env?.[0]?.for_each).toBe('${local.pipeline_env}');
  });

  it('points the bus, lake, archive and warehouse at this deployment', (ctx) => {
    needsTerraform(ctx);
    const env = evaluate(tf, ROOT, 'local.pipeline_env', { project_id: 'demo-1' }) as Record<string, string>;
    expect(env).toMatchObject({
      SHOPSTREAM_BUS: 'pubsub:demo-1',
      SHOPSTREAM_LAKE: 'gs://demo-1-shopstream-lake',
      SHOPSTREAM_ARCHIVE: 'gs://demo-1-shopstream-backup',
      SHOPSTREAM_WAREHOUSE: 'bigquery:demo-1.ecommerce',
      SHOPSTREAM_SUBSCRIPTION: 'backend-events-topic-sub',
      SHOPSTREAM_MAX_DELIVERY_ATTEMPTS: '5',
    });
    // Every value parses as the CLI would parse it.
    const byEnv = new Map(Object.keys(SETTINGS).map((key) => [envNameOf(key), key as keyof typeof SETTINGS]));
    for (const [name, value] of Object.entries(env))
      expect(SETTINGS[byEnv.get(name)!].parse(value), name).not.toHaveProperty('error');
  });

  it('names extra pipeline_settings exactly as envNameOf() does', (ctx) => {
    needsTerraform(ctx);
    const keys = Object.keys(SETTINGS);
    const settings = Object.fromEntries(keys.map((key) => [key, 'x']));
    const env = evaluate(tf, ROOT, 'local.pipeline_settings_env', {
      project_id: 'p',
      pipeline_settings: settings,
    });
    expect(Object.keys(env as object).sort()).toEqual(keys.map(envNameOf).sort());
  });
});

describe('monitoring', () => {
  it("sends the pipeline's /metrics to Cloud Monitoring: a Prometheus sidecar scraping the port it serves", () => {
    const sidecar = containersOf().find((c) => c.name === 'metrics-collector')!;
    expect(valueOf(tf, sidecar.image)).toMatch(
      /^us-docker\.pkg\.dev\/cloud-ops-agents-artifacts\/cloud-run-gmp-sidecar\/cloud-run-gmp-sidecar:\d+\.\d+\.\d+$/,
    );
    expect(sidecar.depends_on).toEqual(['pipeline']);
    // The sidecar's default configuration scrapes localhost:8080/metrics.
    expect(blockOf(pipelineContainer(), 'ports').container_port).toBe(8080);
  });

  it('alerts on shopstream_sink_blocked, by sink and code, as the pipeline names the gauge', async () => {
    const registry = createMetrics(new Telemetry());
    const gauge = (await registry.getMetricsAsJSON()).find((m) => m.name === 'shopstream_sink_blocked');
    expect(gauge?.type).toBe('gauge');
    const policy = resourceOf(tf, 'google_monitoring_alert_policy', 'sink_blocked');
    expect(policy.count).toBe('${var.enable_alerts ? 1 : 0}');
    const condition = blockOf(blockOf(policy, 'conditions'), 'condition_threshold');
    expect(condition.filter).toBe(
      'resource.type = "prometheus_target" AND metric.type = "prometheus.googleapis.com/shopstream_sink_blocked/gauge"',
    );
    expect([condition.comparison, condition.threshold_value]).toEqual(['COMPARISON_GT', 0]);
    const aggregation = blockOf(condition, 'aggregations');
    expect(aggregation.group_by_fields).toEqual(['metric.label.sink', 'metric.label.code']);
    expect(String(blockOf(policy, 'documentation').content)).toMatch(/\/healthz/);
  });
});

describe('generator function', () => {
  it('is a 2nd gen Node 20 function serving publish_trigger, publishing through Pub/Sub as its own identity', () => {
    const fn = resourceOf(tf, 'google_cloudfunctions2_function', 'generator');
    const build = blockOf(fn, 'build_config');
    expect(build.runtime).toBe('nodejs20');
    expect(build.entry_point).toBe('publish_trigger');
    const source = blockOf(blockOf(build, 'source'), 'storage_source');
    expect(source.object).toBe('${google_storage_bucket_object.function_source.name}');
    const service = blockOf(fn, 'service_config');
    expect(service.service_account_email).toBe('${google_service_account.generator.email}');
    expect(service.environment_variables).toBe('${local.generator_env}');
    expect((tf.locals.common_env as Block).SHOPSTREAM_BUS).toBe('pubsub:${var.project_id}');
  });

  it('gives the generator its bus, topic and the seed of the ref_ data', (ctx) => {
    needsTerraform(ctx);
    const env = evaluate(tf, ROOT, 'local.generator_env', { project_id: 'demo-1' }) as Record<string, string>;
    expect(env).toMatchObject({
      SHOPSTREAM_BUS: 'pubsub:demo-1',
      SHOPSTREAM_TOPIC: SETTINGS.topic.default,
      SHOPSTREAM_SEED: String(SETTINGS.seed.default),
    });
  });

  it('passes the traffic profile and time scale to the function, demo at normal speed by default', (ctx) => {
    needsTerraform(ctx);
    const byDefault = evaluate(tf, ROOT, 'local.generator_env', { project_id: 'demo-1' }) as Record<
      string,
      string
    >;
    expect(byDefault).toMatchObject({
      SHOPSTREAM_GENERATOR_PROFILE: SETTINGS['generator.profile'].default,
      SHOPSTREAM_GENERATOR_TIME_SCALE: '1',
    });
    const chosen = evaluate(tf, ROOT, 'local.generator_env', {
      project_id: 'demo-1',
      generator_profile: 'shop',
      generator_time_scale: 60,
    }) as Record<string, string>;
    expect(chosen).toMatchObject({
      SHOPSTREAM_GENERATOR_PROFILE: 'shop',
      SHOPSTREAM_GENERATOR_TIME_SCALE: '60',
    });
    // Every value parses as the function's configuration would parse it.
    const byEnv = new Map(Object.keys(SETTINGS).map((key) => [envNameOf(key), key as keyof typeof SETTINGS]));
    for (const env of [byDefault, chosen])
      for (const [name, value] of Object.entries(env))
        expect(SETTINGS[byEnv.get(name)!].parse(value), name).not.toHaveProperty('error');
  });

  it('accepts exactly the profiles and time scales the function accepts', (ctx) => {
    needsTerraform(ctx);
    const cases = [
      [
        'generator_profile',
        'generator.profile',
        ['demo', 'shop', 'profiles/my-shop.json', 'fancy', 'shop.yaml'],
      ],
      ['generator_time_scale', 'generator.timeScale', [1, 60, 1.5, 1_000_000, 0, 0.5, 2_000_000]],
    ] as const;
    for (const [variable, key, values] of cases) {
      const { condition } = (tf.variables[variable]!.validation as { condition: string }[])[0]!;
      const expression = condition.replace(/^\$\{|\}$/g, '');
      for (const value of values) {
        const accepted = evaluate(tf, ROOT, expression, { project_id: 'p', [variable]: value });
        const parsed = SETTINGS[key].parse(String(value));
        expect(accepted, `${variable} = ${value}`).toBe(!('error' in parsed));
      }
    }
  });

  it('is built from a zip of the repository without local state, build output or local configuration', () => {
    const source = tf.data.find((d) => d.type === 'archive_file' && d.name === 'function_source')!.body;
    expect(source.source_dir).toBe('${path.module}/../..');
    const excludes = source.excludes as string[];
    for (const path of [
      'node_modules/**',
      '.git/**',
      'dist/**',
      'data/**',
      'infra/**',
      'shopstream.config.json',
    ])
      expect(excludes, path).toContain(path);
    // What the build (npm ci, then tsc -p tsconfig.build.json) and the running function read.
    for (const kept of [
      'src',
      'schemas',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      expect(
        excludes.filter((e) => e === kept || e.startsWith(`${kept}/`)),
        kept,
      ).toEqual([]);
  });

  it('the optional scheduler calls it with an OIDC token of its own service account', () => {
    const job = resourceOf(tf, 'google_cloud_scheduler_job', 'generator');
    expect(job.count).toBe('${var.enable_scheduler ? 1 : 0}');
    expect(tf.variables.enable_scheduler?.default).toBe(false);
    const oidc = blockOf(blockOf(job, 'http_target'), 'oidc_token');
    expect(oidc.service_account_email).toBe('${google_service_account.scheduler[0].email}');
    const invoker = grants(tf).find((g) => g.member === '${google_service_account.scheduler[0].member}');
    expect(invoker).toMatchObject({
      role: 'roles/run.invoker',
      on: '${google_cloudfunctions2_function.generator.name}',
    });
  });
});
