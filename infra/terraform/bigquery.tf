# The warehouse. Tables and views come from files the warehouse model generates
# (`npm run gen` → infra/terraform/schemas/), so the model in src/warehouse/model/ stays the single
# source of truth: a new column or table there reaches BigQuery through `terraform apply`.
locals {
  schema_dir = "${path.module}/schemas"
  # { "<table>": { description, partition_field | null, partition_type, clustering: [...] } }
  tables = jsondecode(file("${local.schema_dir}/tables.json"))
  # { "<view>": { description, sql_file } }, sql_file relative to this module (../../sql/bigquery/views/…)
  views = jsondecode(file("${local.schema_dir}/views.json"))
}

resource "google_bigquery_dataset" "warehouse" {
  dataset_id  = var.dataset_id
  location    = var.bigquery_location
  description = "shopstream warehouse: raw event tables (append-only, at-least-once), ref_ tables, and exactly-once views."

  # Dropping the dataset with its data must be a deliberate, manual act.
  delete_contents_on_destroy = false

  depends_on = [google_project_service.apis]
}

resource "google_bigquery_table" "tables" {
  for_each = local.tables

  dataset_id  = google_bigquery_dataset.warehouse.dataset_id
  table_id    = each.key
  description = each.value.description
  schema      = file("${local.schema_dir}/${each.key}.json")

  # Raw events are the only copy of history in the warehouse; ref_ tables are reloaded by the
  # generator, but protecting both keeps `terraform destroy` from silently dropping data.
  deletion_protection = var.deletion_protection

  dynamic "time_partitioning" {
    for_each = try(each.value.partition_field, null) == null ? [] : [each.value]
    content {
      type  = time_partitioning.value.partition_type
      field = time_partitioning.value.partition_field
    }
  }

  clustering = length(try(each.value.clustering, [])) > 0 ? each.value.clustering : null
}

# Views are the documented query surface (exactly-once by event_id). Their SQL lives in
# sql/bigquery/views/ with ${project} and ${dataset} placeholders.
resource "google_bigquery_table" "views" {
  for_each = local.views

  dataset_id  = google_bigquery_dataset.warehouse.dataset_id
  table_id    = each.key
  description = each.value.description

  # A view holds no data; recreating it is harmless.
  deletion_protection = false

  view {
    # The file's leading "-- " header comments and final newline are dropped, so the query is the one
    # the BigQuery adapter's ensureSchema() compares against: `shopstream setup` and `terraform plan`
    # then agree instead of rewriting each other's view.
    query = trimsuffix(replace(templatefile("${path.module}/${each.value.sql_file}", {
      project = var.project_id
      dataset = google_bigquery_dataset.warehouse.dataset_id
    }), "/^(--[^\n]*\n)+/", ""), "\n")
    use_legacy_sql = false
  }

  # BigQuery validates a view's query on creation, so the tables it reads must exist first.
  depends_on = [google_bigquery_table.tables]
}
