# APIs the deployment uses. Disabling an API on destroy would break anything else in the project that
# uses it, so destroy leaves them enabled.
locals {
  required_apis = toset([
    "artifactregistry.googleapis.com",     # pipeline image, function build images
    "bigquery.googleapis.com",             # dataset, tables, views, queries
    "bigquerystorage.googleapis.com",      # Storage Write API (pipeline appends)
    "cloudbuild.googleapis.com",           # builds the function (and the image, if you use Cloud Build)
    "cloudfunctions.googleapis.com",       # generator (2nd gen)
    "cloudresourcemanager.googleapis.com", # project lookup (project number)
    "cloudscheduler.googleapis.com",       # optional generator schedule
    "iam.googleapis.com",                  # service accounts
    "logging.googleapis.com",
    "monitoring.googleapis.com", # backlog metrics and alert policies
    "pubsub.googleapis.com",
    "run.googleapis.com", # pipeline service; 2nd gen functions run on Cloud Run
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "apis" {
  for_each = local.required_apis

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
