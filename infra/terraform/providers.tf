# Authentication is Application Default Credentials only (`gcloud auth application-default login`,
# or the attached service account in CI). No credentials file is ever referenced here.
provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = var.labels
}

# The project number names the Google-managed service agents (Pub/Sub, Cloud Scheduler).
data "google_project" "this" {
  project_id = var.project_id

  depends_on = [google_project_service.apis]
}
