# Optional steady traffic: Cloud Scheduler calls the generator with an OIDC token of its own service
# account, the only identity (besides generator_invokers) allowed to invoke the function.
resource "google_cloud_scheduler_job" "generator" {
  count = var.enable_scheduler ? 1 : 0

  name             = "${var.generator_function_name}-schedule"
  region           = var.region
  description      = "Publishes a burst of synthetic events through publish_trigger."
  schedule         = var.scheduler_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "${min(var.generator_timeout_seconds, 1800)}s"

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.generator.service_config[0].uri
    body        = base64encode(var.scheduler_request_body)
    headers = {
      "Content-Type" = "application/json"
    }

    oidc_token {
      service_account_email = google_service_account.scheduler[0].email
      audience              = google_cloudfunctions2_function.generator.service_config[0].uri
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.scheduler_invoker]
}
