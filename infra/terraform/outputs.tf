output "topic" {
  description = "Topic the generator publishes to."
  value       = google_pubsub_topic.events.name
}

output "subscriptions" {
  description = "Subscriptions by role."
  value = {
    pipeline    = google_pubsub_subscription.pipeline.name
    history     = google_pubsub_subscription.history.name
    dead_letter = google_pubsub_subscription.dead_letter.name
  }
}

output "lake_bucket" {
  value = google_storage_bucket.lake.name
}

output "backup_bucket" {
  value = google_storage_bucket.backup.name
}

output "dataset" {
  description = "project.dataset of the warehouse."
  value       = "${var.project_id}.${google_bigquery_dataset.warehouse.dataset_id}"
}

output "image_repository" {
  description = "Push the pipeline image here: <image_repository>/shopstream:<tag>."
  value       = local.image_repository
}

output "generator_url" {
  description = "HTTPS URL of publish_trigger (needs an identity token of an allowed invoker)."
  value       = google_cloudfunctions2_function.generator.service_config[0].uri
}

output "pipeline_service" {
  description = "Cloud Run service running the pipeline (null until pipeline_image is set)."
  value       = one(google_cloud_run_v2_service.pipeline[*].name)
}

output "service_accounts" {
  value = {
    generator = google_service_account.generator.email
    pipeline  = google_service_account.pipeline.email
    build     = google_service_account.build.email
    scheduler = one(google_service_account.scheduler[*].email)
  }
}

output "shopstream_env" {
  description = "Environment that points a local `shopstream` CLI at this deployment (with your own ADC)."
  value       = local.pipeline_env
}
