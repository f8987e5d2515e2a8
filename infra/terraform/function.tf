# The generator as a Cloud Function (2nd gen): HTTP entry point `publish_trigger`, built by Cloud
# Build from a zip of this repository. The build runs `npm ci` and the package's `build` script
# (tsc → dist/), then prunes dev dependencies; package.json "main" names the compiled module that
# registers publish_trigger with the Functions Framework (dist/src/generator/cloud-function.js).

data "archive_file" "function_source" {
  type        = "zip"
  source_dir  = "${path.module}/../.."
  output_path = "${path.module}/.build/function-source.zip"

  # Only what the build needs: src/, schemas/, package manifests, tsconfig. Local state, build
  # output and the infrastructure itself stay out (the zip is rebuilt and re-uploaded whenever its
  # content hash changes, so noise here would redeploy the function for nothing).
  excludes = [
    ".git",
    ".git/**",
    "node_modules",
    "node_modules/**",
    "dist",
    "dist/**",
    "data",
    "data/**",
    "coverage",
    "coverage/**",
    "test-artifacts",
    "test-artifacts/**",
    ".shopstream-tmp",
    ".shopstream-tmp/**",
    "infra",
    "infra/**",
    "test",
    "test/**",
    "bench",
    "bench/**",
    "docs",
    "docs/**",
    "sql",
    "sql/**",
    "scripts",
    "scripts/**",
    "**/*.test.ts",
    "**/*.log",
    # A developer's local configuration must never reach the function (it would override its env).
    "shopstream.config.json",
    ".env",
    ".env.*",
  ]
}

resource "google_storage_bucket_object" "function_source" {
  name   = "generator/source-${data.archive_file.function_source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.function_source.output_path
}

resource "google_cloudfunctions2_function" "generator" {
  name        = var.generator_function_name
  location    = var.region
  description = "shopstream generator: publishes synthetic e-commerce events to ${var.topic_name}."

  build_config {
    runtime         = "nodejs20"
    entry_point     = "publish_trigger"
    service_account = google_service_account.build.id

    # Compile TypeScript during the build (devDependencies are available to this step only).
    environment_variables = {
      GOOGLE_NODE_RUN_SCRIPTS = "build"
    }

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.function_source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.generator.email
    ingress_settings                 = var.generator_ingress
    min_instance_count               = 0
    max_instance_count               = var.generator_max_instances
    max_instance_request_concurrency = 1
    available_memory                 = var.generator_memory
    available_cpu                    = "1"
    timeout_seconds                  = var.generator_timeout_seconds
    all_traffic_on_latest_revision   = true

    environment_variables = local.generator_env
  }

  depends_on = [
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_artifact_writer,
    google_storage_bucket_iam_member.build_source_reader,
    google_pubsub_topic_iam_member.generator_publisher,
  ]
}
