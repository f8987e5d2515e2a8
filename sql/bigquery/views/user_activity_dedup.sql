-- user_activity_dedup: user_activity with one row per event_id (its first delivery): the exactly-once user actions.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
SELECT
  user_id,
  activity_type,
  ip_address,
  user_agent,
  timestamp,
  metadata,
  event_id,
  publish_time,
  ingestion_time
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_id, timestamp ORDER BY publish_time, ingestion_time) AS copy_number
  FROM `${project}.${dataset}.user_activity`
)
WHERE copy_number = 1
