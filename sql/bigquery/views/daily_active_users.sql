-- daily_active_users: Distinct users, sessions and activities per UTC day and platform.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
WITH user_activity_dedup AS (
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
)
SELECT
  DATE(a.timestamp) AS activity_date,
  a.metadata.platform AS platform,
  COUNT(DISTINCT a.user_id) AS active_users,
  COUNT(DISTINCT a.metadata.session_id) AS sessions,
  COUNT(*) AS activities
FROM user_activity_dedup AS a
GROUP BY 1, 2
