-- error_counts: Dead-lettered messages per error code, each (event_id, error_code) once.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
WITH ingest_errors_dedup AS (
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
)
SELECT
  e.error_code,
  COUNT(*) AS errors,
  MIN(e.ingestion_time) AS first_seen_at,
  MAX(e.ingestion_time) AS last_seen_at
FROM ingest_errors_dedup AS e
GROUP BY e.error_code
