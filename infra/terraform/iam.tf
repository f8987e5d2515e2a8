# Identities and least-privilege grants. Every grant is on the single resource that needs it, except
# the few roles Google only offers at project level (BigQuery job user, metric writer, build logs).
# No primitive roles (owner/editor/viewer), no public members, no service account keys: workloads
# use their attached service account through Application Default Credentials.

# --- Service accounts -------------------------------------------------------------------------------

resource "google_service_account" "generator" {
  account_id   = "shopstream-generator"
  display_name = "shopstream generator (Cloud Function publish_trigger)"

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "pipeline" {
  account_id   = "shopstream-pipeline"
  display_name = "shopstream pipeline workers (Cloud Run)"

  depends_on = [google_project_service.apis]
}

# Builds the function from source instead of the broad default build identity.
resource "google_service_account" "build" {
  account_id   = "shopstream-build"
  display_name = "shopstream function builds (Cloud Build)"

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "scheduler" {
  count = var.enable_scheduler ? 1 : 0

  account_id   = "shopstream-scheduler"
  display_name = "shopstream scheduler (invokes the generator)"

  depends_on = [google_project_service.apis]
}

# --- Generator: publish to the topic, nothing else ---------------------------------------------------

resource "google_pubsub_topic_iam_member" "generator_publisher" {
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.generator.member
}

# --- Pipeline: read its subscription, write the lake, append to the dataset --------------------------

resource "google_pubsub_subscription_iam_member" "pipeline_subscriber" {
  subscription = google_pubsub_subscription.pipeline.id
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.pipeline.member
}

# Read-only metadata of its own subscription: the worker checks at start that the subscription
# exists and reports its settings (subscriber alone cannot read them).
resource "google_pubsub_subscription_iam_member" "pipeline_viewer" {
  subscription = google_pubsub_subscription.pipeline.id
  role         = "roles/pubsub.viewer"
  member       = google_service_account.pipeline.member
}

# Create-only: lake files are written once and never read, overwritten or deleted by the worker.
resource "google_storage_bucket_iam_member" "pipeline_lake_writer" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectCreator"
  member = google_service_account.pipeline.member
}

# Storage Write API appends and DML/queries on the warehouse dataset only.
resource "google_bigquery_dataset_iam_member" "pipeline_data_editor" {
  dataset_id = google_bigquery_dataset.warehouse.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.pipeline.member
}

# Running a query job is a project-level permission in BigQuery; data access stays dataset-scoped.
resource "google_project_iam_member" "pipeline_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.pipeline.member
}

resource "google_project_iam_member" "pipeline_metric_writer" {
  project = var.project_id
  role    = "roles/monitoring.metricWriter"
  member  = google_service_account.pipeline.member
}

# --- Pub/Sub service agent: dead-lettering and the Cloud Storage subscription ------------------------

# Dead-lettering: Pub/Sub republishes the message to the dead-letter topic …
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

# … and acknowledges it on the source subscription.
resource "google_pubsub_subscription_iam_member" "pubsub_agent_pipeline_subscriber" {
  subscription = google_pubsub_subscription.pipeline.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# The history subscription writes objects and reads the bucket's metadata.
resource "google_storage_bucket_iam_member" "backup_pubsub_object_creator" {
  bucket = google_storage_bucket.backup.name
  role   = "roles/storage.objectCreator"
  member = local.pubsub_service_agent
}

resource "google_storage_bucket_iam_member" "backup_pubsub_bucket_reader" {
  bucket = google_storage_bucket.backup.name
  role   = "roles/storage.legacyBucketReader"
  member = local.pubsub_service_agent
}

# --- Function build identity --------------------------------------------------------------------------

resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

# Cloud Functions pushes the built image to its own gcf-artifacts repository, created on first deploy,
# so the grant cannot name that repository.
resource "google_project_iam_member" "build_artifact_writer" {
  project = var.project_id
  role    = "roles/artifactregistry.writer"
  member  = google_service_account.build.member
}

resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}

# --- Who may call the generator (never public) ---------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "scheduler_invoker" {
  count = var.enable_scheduler ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.generator.name
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler[0].member
}

resource "google_cloud_run_v2_service_iam_member" "generator_invokers" {
  for_each = toset(var.generator_invokers)

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.generator.name
  role     = "roles/run.invoker"
  member   = each.value
}
