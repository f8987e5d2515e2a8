# Every name and size is a variable; the defaults are the seed project's names, so an existing
# deployment can be imported without renames (see docs/deploy-gcp.md).

# --- Project ----------------------------------------------------------------------------------------

variable "project_id" {
  description = "Google Cloud project id that holds every resource."
  type        = string
}

variable "region" {
  description = "Region for Cloud Run, the Cloud Function, Cloud Scheduler, Artifact Registry and the buckets."
  type        = string
  default     = "us-central1"
}

variable "bigquery_location" {
  description = "BigQuery dataset location (multi-region US/EU or a region)."
  type        = string
  default     = "US"
}

variable "labels" {
  description = "Labels put on every resource that takes labels (billing breakdown)."
  type        = map(string)
  default = {
    app = "shopstream"
  }
}

# --- Pub/Sub ----------------------------------------------------------------------------------------

variable "topic_name" {
  description = "Topic the generator publishes to (setting `topic`)."
  type        = string
  default     = "backend-events-topic"
}

variable "subscription_name" {
  description = "Pull subscription the pipeline reads (setting `subscription`)."
  type        = string
  default     = "backend-events-topic-sub"
}

variable "history_subscription_name" {
  description = "Cloud Storage subscription that archives every raw message into the backup bucket."
  type        = string
  default     = "backend-events-history-sub"
}

variable "dead_letter_topic_name" {
  description = "Topic that receives messages after max_delivery_attempts failed deliveries."
  type        = string
  default     = "backend-events-dead-letter"
}

variable "dead_letter_subscription_name" {
  description = "Pull subscription on the dead-letter topic, for inspection and replay."
  type        = string
  default     = "backend-events-dead-letter-sub"
}

variable "ack_deadline_seconds" {
  description = "Ack deadline of the pipeline subscription (the client library extends leases while it works)."
  type        = number
  default     = 60

  validation {
    condition     = var.ack_deadline_seconds >= 10 && var.ack_deadline_seconds <= 600
    error_message = "Pub/Sub accepts ack deadlines from 10 to 600 seconds."
  }
}

variable "max_delivery_attempts" {
  description = "Deliveries before Pub/Sub moves a message to the dead-letter topic."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts 5 to 100 delivery attempts."
  }
}

variable "retry_minimum_backoff" {
  description = "Smallest delay before a nacked message is redelivered (exponential backoff)."
  type        = string
  default     = "10s"
}

variable "retry_maximum_backoff" {
  description = "Largest delay before a nacked message is redelivered (exponential backoff)."
  type        = string
  default     = "600s"
}

variable "message_retention_duration" {
  description = "How long unacked messages stay in the subscriptions' backlogs (max 7 days)."
  type        = string
  default     = "604800s"
}

# --- Cloud Storage ----------------------------------------------------------------------------------

variable "lake_bucket_name" {
  description = "Lake bucket (output/{type}/YYYY/MM/DD/HH/mm/*.json). Empty: <project_id>-shopstream-lake."
  type        = string
  default     = ""
}

variable "backup_bucket_name" {
  description = "Backup bucket written by the history subscription. Empty: <project_id>-shopstream-backup."
  type        = string
  default     = ""
}

variable "source_bucket_name" {
  description = "Bucket holding the Cloud Function source zips. Empty: <project_id>-shopstream-source."
  type        = string
  default     = ""
}

variable "bucket_location" {
  description = "Location of the buckets. Empty: the region (single-region storage is the cheapest class)."
  type        = string
  default     = ""
}

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete non-empty buckets. Keep false outside throw-away projects."
  type        = bool
  default     = false
}

variable "lake_nearline_after_days" {
  description = "Lake objects move to Nearline after this many days (read rarely once loaded)."
  type        = number
  default     = 30
}

variable "lake_coldline_after_days" {
  description = "Lake objects move to Coldline after this many days."
  type        = number
  default     = 90
}

variable "lake_temp_prefix" {
  description = "Object prefix in the lake for temporary files; they are deleted after one day."
  type        = string
  default     = "tmp/"
}

variable "backup_coldline_after_days" {
  description = "Archived raw messages move to Coldline after this many days (read only for backfills)."
  type        = number
  default     = 30
}

variable "backup_archive_after_days" {
  description = "Archived raw messages move to Archive storage after this many days."
  type        = number
  default     = 365
}

variable "backup_retention_days" {
  description = "Archived raw messages are deleted after this many days; 0 keeps them forever."
  type        = number
  default     = 0
}

# --- BigQuery ---------------------------------------------------------------------------------------

variable "dataset_id" {
  description = "BigQuery dataset of the warehouse (tables, ref_ tables and views)."
  type        = string
  default     = "ecommerce"
}

variable "deletion_protection" {
  description = "Protect the BigQuery tables and the Cloud Run service from `terraform destroy`."
  type        = bool
  default     = true
}

# --- Generator (Cloud Function 2nd gen) -------------------------------------------------------------

variable "generator_function_name" {
  description = "Name of the Cloud Function that serves the HTTP `publish_trigger` entry point."
  type        = string
  default     = "shopstream-generator"
}

variable "generator_max_instances" {
  description = "Most generator function instances at once."
  type        = number
  default     = 10
}

variable "generator_memory" {
  description = "Memory of a generator function instance."
  type        = string
  default     = "512Mi"
}

variable "generator_timeout_seconds" {
  description = "Longest generator request (a burst of traffic), in seconds."
  type        = number
  default     = 540
}

variable "generator_max_trigger_count" {
  description = "Largest `count` one publish_trigger request may ask for (setting generator.maxTriggerCount)."
  type        = number
  default     = 100000
}

variable "generator_profile" {
  description = "How the generated shop behaves (setting generator.profile): demo (every event type, whole order lifecycles within minutes), shop (a realistic busy shop), or the path of a profile file (.json) inside the deployed source. See docs/traffic-profiles.md."
  type        = string
  default     = "demo"

  validation {
    condition     = contains(["demo", "shop"], var.generator_profile) || can(regex("\\.json$", var.generator_profile))
    error_message = "One of demo, shop, or the path of a profile file ending in .json."
  }
}

variable "generator_time_scale" {
  description = "The generator's simulated clock runs this many times faster than the wall clock at the same event rate (setting generator.timeScale), so order lifecycles of hours pass in minutes; 1 to 1000000."
  type        = number
  default     = 1

  validation {
    condition     = var.generator_time_scale >= 1 && var.generator_time_scale <= 1000000
    error_message = "A number from 1 to 1000000."
  }
}

variable "generator_ingress" {
  description = "Who can reach the function URL. Callers still need roles/run.invoker (no public access)."
  type        = string
  default     = "ALLOW_ALL"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.generator_ingress)
    error_message = "One of ALLOW_ALL, ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "generator_invokers" {
  description = "Extra principals allowed to call the function URL, e.g. [\"user:you@example.com\"]. Never allUsers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.generator_invokers : !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "The generator is never public: allUsers and allAuthenticatedUsers are refused."
  }
}

# --- Cloud Scheduler --------------------------------------------------------------------------------

variable "enable_scheduler" {
  description = "Create a Cloud Scheduler job that calls the generator on a schedule."
  type        = bool
  default     = false
}

variable "scheduler_schedule" {
  description = "Cron schedule of the generator job (UTC)."
  type        = string
  default     = "* * * * *"
}

variable "scheduler_request_body" {
  description = "JSON body the scheduler posts to publish_trigger."
  type        = string
  default     = "{\"count\":1000}"
}

# --- Pipeline (Cloud Run) ---------------------------------------------------------------------------

variable "pipeline_service_name" {
  description = "Name of the Cloud Run service that runs `shopstream pipeline run`."
  type        = string
  default     = "shopstream-pipeline"
}

variable "pipeline_image" {
  description = "Container image of the pipeline. Empty: the service is not created yet (first apply, before the image is pushed)."
  type        = string
  default     = ""
}

variable "artifact_repository_id" {
  description = "Artifact Registry Docker repository for the pipeline image."
  type        = string
  default     = "shopstream"
}

variable "pipeline_min_instances" {
  description = "Instances that always run. Pull subscribers are invisible to Cloud Run's request-based autoscaler: size this for the steady event rate."
  type        = number
  default     = 1
}

variable "pipeline_max_instances" {
  description = "Upper bound of instances (bursts, and a cap on spend)."
  type        = number
  default     = 10

  validation {
    condition     = var.pipeline_max_instances >= 1
    error_message = "At least one instance."
  }
}

variable "pipeline_cpu" {
  description = "vCPUs per pipeline instance."
  type        = string
  default     = "1"
}

variable "pipeline_memory" {
  description = "Memory per pipeline instance (flow control bounds the backlog held in memory)."
  type        = string
  default     = "1Gi"
}

variable "pipeline_settings" {
  description = "Extra shopstream settings for the pipeline, by key (e.g. {\"pipeline.flushMaxAgeMs\" = \"2000\"}); each becomes its SHOPSTREAM_* variable."
  type        = map(string)
  default     = {}
}

variable "seed" {
  description = "Seed of the reference universe. The generator draws its ids from it and `shopstream setup` loads the same universe into the ref_ tables, so both must agree."
  type        = number
  default     = 42
}

variable "log_level" {
  description = "shopstream log level of the function and the service."
  type        = string
  default     = "info"
}

# --- Monitoring -------------------------------------------------------------------------------------

variable "enable_alerts" {
  description = "Create Cloud Monitoring alert policies on backlog age, dead letters and blocked sinks."
  type        = bool
  default     = true
}

variable "alert_notification_channels" {
  description = "Notification channel ids for the alert policies."
  type        = list(string)
  default     = []
}

variable "metrics_sidecar_image" {
  description = "The Managed Service for Prometheus sidecar of the pipeline service, which sends its /metrics to Cloud Monitoring (the sink-blocked alert needs them)."
  type        = string
  default     = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0"
}

variable "alert_backlog_age_seconds" {
  description = "Alert when the oldest unacked message on the pipeline subscription is older than this."
  type        = number
  default     = 300
}
