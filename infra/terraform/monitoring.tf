# Alerts on the signals that matter for a pull pipeline: how old the backlog is (workers too few or
# stuck), whether anything reached the dead-letter topic (poison messages, crash loops), and whether
# a sink is blocked by a failure no retry can fix (a missing table, a permission).
locals {
  subscription_metric = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id"
}

resource "google_monitoring_alert_policy" "pipeline_backlog_age" {
  count = var.enable_alerts ? 1 : 0

  display_name          = "shopstream: pipeline backlog older than ${var.alert_backlog_age_seconds}s"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "oldest unacked message age on ${var.subscription_name}"
    condition_threshold {
      filter          = "${local.subscription_metric} = \"${var.subscription_name}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_backlog_age_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "The pipeline is falling behind. Raise pipeline_min_instances (docs/deploy-gcp.md, Scaling) or check the service's logs for errors."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  count = var.enable_alerts ? 1 : 0

  display_name          = "shopstream: messages in the dead-letter topic"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "undelivered messages on ${var.dead_letter_subscription_name}"
    condition_threshold {
      filter          = "${local.subscription_metric} = \"${var.dead_letter_subscription_name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Pub/Sub gave up on messages after max_delivery_attempts. Inspect them with `gcloud pubsub subscriptions pull ${var.dead_letter_subscription_name}`."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}

# If the service agent loses access to the backup bucket, the history subscription silently stops
# writing and its backlog grows: the archive is the replay source, so this is worth an alert too.
resource "google_monitoring_alert_policy" "history_backlog_age" {
  count = var.enable_alerts ? 1 : 0

  display_name          = "shopstream: history archive is not being written"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "oldest unacked message age on ${var.history_subscription_name}"
    condition_threshold {
      filter          = "${local.subscription_metric} = \"${var.history_subscription_name}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = 900
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# A sink that fails for a reason no retry can fix (a missing table, permission denied, a schema that
# differs) holds its messages, unacked and not dead-lettered, until someone fixes the cause; the
# pipeline then resumes by itself. The gauge comes from the pipeline's /metrics through the
# Prometheus sidecar (run.tf); its labels name the sink and the error code.
resource "google_monitoring_alert_policy" "sink_blocked" {
  count = var.enable_alerts ? 1 : 0

  display_name          = "shopstream: a pipeline sink is blocked"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels

  conditions {
    display_name = "shopstream_sink_blocked > 0, by sink and code"
    condition_threshold {
      filter          = "resource.type = \"prometheus_target\" AND metric.type = \"prometheus.googleapis.com/shopstream_sink_blocked/gauge\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "120s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_MAX"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["metric.label.sink", "metric.label.code"]
      }
    }
  }

  documentation {
    content   = "A pipeline sink fails for a reason retrying cannot fix; its messages are held, not acked and not dead-lettered. The labels name the sink and the error code (docs/errors.md); the service's /healthz and its logs say what to fix (for example run `shopstream setup`, or grant the service account its role). The pipeline resumes on its own once it is fixed."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}
