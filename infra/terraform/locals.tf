locals {
  lake_bucket     = var.lake_bucket_name != "" ? var.lake_bucket_name : "${var.project_id}-shopstream-lake"
  backup_bucket   = var.backup_bucket_name != "" ? var.backup_bucket_name : "${var.project_id}-shopstream-backup"
  source_bucket   = var.source_bucket_name != "" ? var.source_bucket_name : "${var.project_id}-shopstream-source"
  bucket_location = var.bucket_location != "" ? var.bucket_location : upper(var.region)

  # Google-managed identity that Pub/Sub uses to dead-letter and to write Cloud Storage subscriptions.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # shopstream configuration as environment variables. Names follow envNameOf() in
  # src/config/settings.ts (`deadLetterTopic` -> SHOPSTREAM_DEAD_LETTER_TOPIC); unknown SHOPSTREAM_*
  # variables make the CLI refuse to start, and test/infra/terraform.test.ts checks every name.
  common_env = {
    SHOPSTREAM_BUS       = "pubsub:${var.project_id}"
    SHOPSTREAM_TOPIC     = var.topic_name
    SHOPSTREAM_LOG_LEVEL = var.log_level
    SHOPSTREAM_SEED      = tostring(var.seed)
  }

  generator_own_env = {
    SHOPSTREAM_GENERATOR_MAX_TRIGGER_COUNT = tostring(var.generator_max_trigger_count)
    SHOPSTREAM_GENERATOR_PROFILE           = var.generator_profile
    SHOPSTREAM_GENERATOR_TIME_SCALE        = tostring(var.generator_time_scale)
  }

  generator_env = merge(local.common_env, local.generator_own_env)

  pipeline_own_env = {
    SHOPSTREAM_LAKE                     = "gs://${local.lake_bucket}"
    SHOPSTREAM_ARCHIVE                  = "gs://${local.backup_bucket}"
    SHOPSTREAM_WAREHOUSE                = "bigquery:${var.project_id}.${var.dataset_id}"
    SHOPSTREAM_SUBSCRIPTION             = var.subscription_name
    SHOPSTREAM_HISTORY_SUBSCRIPTION     = var.history_subscription_name
    SHOPSTREAM_DEAD_LETTER_TOPIC        = var.dead_letter_topic_name
    SHOPSTREAM_DEAD_LETTER_SUBSCRIPTION = var.dead_letter_subscription_name
    SHOPSTREAM_MAX_DELIVERY_ATTEMPTS    = tostring(var.max_delivery_attempts)
    SHOPSTREAM_ACK_DEADLINE_SECONDS     = tostring(var.ack_deadline_seconds)
    # Cloud Storage bills every object: a quiet stream is batched for up to a second here, not
    # written at once as locally (pipeline.flushLingerMs; pipeline_settings overrides it).
    SHOPSTREAM_PIPELINE_FLUSH_LINGER_MS = "1000"
  }

  # Same rule as envNameOf(): dots become underscores, camelCase becomes SNAKE_CASE.
  pipeline_settings_env = {
    for key, value in var.pipeline_settings :
    "SHOPSTREAM_${upper(replace(replace(key, ".", "_"), "/([a-z0-9])([A-Z])/", "$${1}_$${2}"))}" => value
  }

  pipeline_env = merge(local.common_env, local.pipeline_own_env, local.pipeline_settings_env)
}
