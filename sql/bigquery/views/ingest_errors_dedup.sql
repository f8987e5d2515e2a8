-- ingest_errors_dedup: ingest_errors with one row per (event_id, error_code): a bad message delivered again counts once.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
SELECT
  error_code,
  error_path,
  error_message,
  message_id,
  event_id,
  publish_time,
  ingestion_time,
  attributes,
  payload,
  payload_encoding
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_id, error_code ORDER BY ingestion_time, message_id) AS copy_number
  FROM `${project}.${dataset}.ingest_errors`
)
WHERE copy_number = 1
