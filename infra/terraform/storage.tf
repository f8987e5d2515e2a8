# Buckets: the lake (pipeline output), the backup (raw message archive), and the function source.
# All are private: uniform bucket-level access (IAM only, no object ACLs) and public access
# prevention enforced, so no later IAM grant can make them public.

resource "google_storage_bucket" "lake" {
  name                        = local.lake_bucket
  location                    = local.bucket_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets

  # Lake files are written once under unique names and never overwritten, so versioning would only
  # add cost; the raw archive in the backup bucket is what a lost lake can be rebuilt from.
  versioning {
    enabled = false
  }

  # Recent minutes are read by analysts and backfills; older data is kept cheaply.
  lifecycle_rule {
    condition {
      age = var.lake_nearline_after_days
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  lifecycle_rule {
    condition {
      age = var.lake_coldline_after_days
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  lifecycle_rule {
    condition {
      age            = 1
      matches_prefix = [var.lake_temp_prefix]
    }
    action {
      type = "Delete"
    }
  }

  # A worker killed mid-upload leaves an incomplete multipart upload behind; it costs storage.
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "backup" {
  name                        = local.backup_bucket
  location                    = local.bucket_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets

  # The archive is the replay source of last resort: an accidental delete or overwrite must be
  # recoverable, so old generations are kept for a while.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = var.backup_coldline_after_days
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  lifecycle_rule {
    condition {
      age = var.backup_archive_after_days
    }
    action {
      type          = "SetStorageClass"
      storage_class = "ARCHIVE"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.backup_retention_days > 0 ? [var.backup_retention_days] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type = "Delete"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# Cloud Functions builds from a zip in a bucket. Each upload is named after its content hash and
# Terraform replaces the object when the source changes, so only the deployed zip is kept.
resource "google_storage_bucket" "source" {
  name                        = local.source_bucket
  location                    = local.bucket_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  versioning {
    enabled = false
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}
