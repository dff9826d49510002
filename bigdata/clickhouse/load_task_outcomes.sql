-- One committed Parquet file of the job's aggregates/task_outcomes output (partition day
-- {day}) into the staging table. {file} and {day} are filled in by the loader.
INSERT INTO aion_analytics.task_outcomes_staging
SELECT
    toDate({day})       AS date,
    task_id,
    tenant_id,
    attempt,
    outcome,
    created_at,
    ended_at,
    duration_ms,
    running_ms,
    route,
    model,
    error_code,
    error_category,
    error_retryable,
    toUUID(event_id)    AS event_id
FROM file({file}, Parquet);
