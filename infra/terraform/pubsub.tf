# The bus: one topic for the three event types, its pipeline and history subscriptions, and the
# dead-letter topic with an inspection subscription.

resource "google_pubsub_topic" "events" {
  name = var.topic_name

  # Messages are retained on the subscriptions; the topic keeps nothing of its own.
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  name = var.dead_letter_topic_name

  depends_on = [google_project_service.apis]
}

# The pipeline's subscription. Delivery is at-least-once (the warehouse views deduplicate by
# event_id), so exactly-once delivery is not enabled: it would cost throughput for nothing.
resource "google_pubsub_subscription" "pipeline" {
  name  = var.subscription_name
  topic = google_pubsub_topic.events.id

  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = var.message_retention_duration

  # Nacked messages (e.g. the warehouse was briefly unavailable) come back with exponential backoff
  # between these bounds instead of hammering a struggling sink.
  retry_policy {
    minimum_backoff = var.retry_minimum_backoff
    maximum_backoff = var.retry_maximum_backoff
  }

  # A message that fails max_delivery_attempts times (a crash loop, a poison message the pipeline
  # cannot even dead-letter itself) leaves the backlog instead of blocking it forever.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # A pipeline outage must never delete the subscription and its backlog.
  expiration_policy {
    ttl = ""
  }
}

# Without a subscription, messages published to the dead-letter topic would be lost.
resource "google_pubsub_subscription" "dead_letter" {
  name  = var.dead_letter_subscription_name
  topic = google_pubsub_topic.dead_letter.id

  ack_deadline_seconds       = 60
  message_retention_duration = var.message_retention_duration

  expiration_policy {
    ttl = ""
  }
}

# The history archive: Pub/Sub itself writes every raw message to the backup bucket as text files
# backup/events_<UTC time>_<uuid>.json, one message per line, replayable with `shopstream backfill`.
# No code of ours runs for this. The names must match the archive.filename* settings the backfill
# reader expects, so they are fixed here rather than variables.
resource "google_pubsub_subscription" "history" {
  name  = var.history_subscription_name
  topic = google_pubsub_topic.events.id

  # Pub/Sub requires max_duration <= the ack deadline.
  ack_deadline_seconds       = 300
  message_retention_duration = var.message_retention_duration

  cloud_storage_config {
    bucket          = google_storage_bucket.backup.name
    filename_prefix = "events_"
    filename_suffix = ".json"
    max_duration    = "60s"
    max_bytes       = 100 * 1024 * 1024
    # No avro_config block: message data is written as text (one payload per line).
  }

  expiration_policy {
    ttl = ""
  }

  # The service agent must be able to write into the bucket before the subscription is created,
  # otherwise it starts in the PERMISSION_DENIED state.
  depends_on = [
    google_storage_bucket_iam_member.backup_pubsub_object_creator,
    google_storage_bucket_iam_member.backup_pubsub_bucket_reader,
  ]
}
