# The pipeline as a Cloud Run service: stateless workers that share the pipeline subscription, each
# writing uniquely named lake files and appending to BigQuery concurrently.

resource "google_artifact_registry_repository" "images" {
  repository_id = var.artifact_repository_id
  location      = var.region
  format        = "DOCKER"
  description   = "shopstream container images"

  depends_on = [google_project_service.apis]
}

locals {
  image_repository = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

# Created once pipeline_image is set: the first apply creates the registry, the image is pushed to
# it, then a second apply with -var pipeline_image=… deploys the service (docs/deploy-gcp.md).
resource "google_cloud_run_v2_service" "pipeline" {
  count = var.pipeline_image != "" ? 1 : 0

  name     = var.pipeline_service_name
  location = var.region
  # Nobody calls the pipeline: it pulls from Pub/Sub. Only /healthz probes reach it, from inside.
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = var.deletion_protection

  template {
    service_account                  = google_service_account.pipeline.email
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    max_instance_request_concurrency = 10

    # A pull subscriber receives no requests, so Cloud Run's request/concurrency signals never see
    # its load: min_instance_count is the capacity for the steady rate (see docs/deploy-gcp.md,
    # "Scaling"), max_instance_count the ceiling.
    scaling {
      min_instance_count = var.pipeline_min_instances
      max_instance_count = var.pipeline_max_instances
    }

    containers {
      name  = "pipeline"
      image = var.pipeline_image
      # The image's CMD: node dist/src/cli/main.js pipeline run

      resources {
        limits = {
          cpu    = var.pipeline_cpu
          memory = var.pipeline_memory
        }
        # Always-allocated CPU: the worker pulls and flushes between requests, which request-only
        # CPU would throttle to nearly zero.
        cpu_idle          = false
        startup_cpu_boost = true
      }

      ports {
        container_port = 8080
      }

      dynamic "env" {
        for_each = local.pipeline_env
        content {
          name  = env.key
          value = env.value
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 5
        timeout_seconds   = 3
        failure_threshold = 12
      }

      liveness_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 30
        timeout_seconds   = 5
        failure_threshold = 3
      }
    }

    # Google's Managed Service for Prometheus sidecar: with its default configuration it scrapes
    # localhost:8080/metrics, the pipeline's Prometheus metrics, and writes them to Cloud Monitoring
    # as prometheus.googleapis.com/<metric>/<kind> (with the pipeline's roles/monitoring.metricWriter).
    # The alert on shopstream_sink_blocked (monitoring.tf) reads them.
    containers {
      name       = "metrics-collector"
      image      = var.metrics_sidecar_image
      depends_on = ["pipeline"]

      resources {
        limits = {
          cpu    = "1"
          memory = "256Mi"
        }
        cpu_idle = false
      }
    }
  }

  depends_on = [
    google_pubsub_subscription_iam_member.pipeline_subscriber,
    google_pubsub_subscription_iam_member.pipeline_viewer,
    google_storage_bucket_iam_member.pipeline_lake_writer,
    google_bigquery_dataset_iam_member.pipeline_data_editor,
    google_project_iam_member.pipeline_job_user,
    google_bigquery_table.tables,
  ]
}
