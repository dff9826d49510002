-- Router decisions, one row per decision event, flattened from the Spark job's
-- events/decisions output. A day is loaded into the staging twin and swapped in with
-- REPLACE PARTITION, so reloading a day replaces it; ReplacingMergeTree collapses a
-- replayed event (same event_id) that a day holds twice (read with FINAL).
CREATE DATABASE IF NOT EXISTS aion_analytics;

CREATE TABLE IF NOT EXISTS aion_analytics.router_decisions
(
    date                Date,
    occurred_at         DateTime64(6, 'UTC'),
    event_id            UUID,
    decision_id         UUID,
    task_id             String,
    tenant_id           LowCardinality(String),
    task_kind           LowCardinality(String),
    privacy_tier        LowCardinality(String),
    route               LowCardinality(String),
    model               LowCardinality(String),
    provider            LowCardinality(String),
    score               Float64,
    candidates          UInt16,
    eligible_candidates UInt16,
    latency_ms          Float64,
    fallback            Bool,
    policy_id           LowCardinality(String),
    policy_version      Int64,
    schema_id           UInt32,
    kafka_partition     Int32,
    kafka_offset        Int64
)
ENGINE = ReplacingMergeTree
PARTITION BY date
ORDER BY (task_id, event_id);

CREATE TABLE IF NOT EXISTS aion_analytics.router_decisions_staging
AS aion_analytics.router_decisions;
