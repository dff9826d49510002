-- Outcome and durations of every finished task attempt, from the Spark job's
-- aggregates/task_outcomes output, partitioned by the day the task ended. Loaded like
-- router_decisions (staging twin + REPLACE PARTITION); a replayed terminal event is
-- collapsed by (task_id, attempt).
CREATE DATABASE IF NOT EXISTS aion_analytics;

CREATE TABLE IF NOT EXISTS aion_analytics.task_outcomes
(
    date            Date,
    task_id         String,
    tenant_id       LowCardinality(String),
    attempt         Int64,
    outcome         LowCardinality(String),
    created_at      DateTime64(6, 'UTC'),
    ended_at        DateTime64(6, 'UTC'),
    duration_ms     Float64,
    running_ms      Nullable(Float64),
    route           LowCardinality(Nullable(String)),
    model           LowCardinality(Nullable(String)),
    error_code      LowCardinality(Nullable(String)),
    error_category  LowCardinality(Nullable(String)),
    error_retryable Nullable(Bool),
    event_id        UUID
)
ENGINE = ReplacingMergeTree
PARTITION BY date
ORDER BY (task_id, attempt);

CREATE TABLE IF NOT EXISTS aion_analytics.task_outcomes_staging
AS aion_analytics.task_outcomes;
