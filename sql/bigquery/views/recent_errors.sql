-- recent_errors: The 100 latest dead-lettered messages (each (event_id, error_code) once), with the start of the payload.
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
  e.ingestion_time,
  e.error_code,
  e.error_path,
  e.error_message,
  e.event_id,
  e.message_id,
  e.publish_time,
  SUBSTR(e.payload, 1, 200) AS payload_preview,
  e.payload_encoding
FROM ingest_errors_dedup AS e
ORDER BY e.ingestion_time DESC, e.event_id, e.error_code
LIMIT 100
