-- One committed Parquet file of the job's events/decisions output (partition day {day})
-- into the staging table. {file} and {day} are filled in by the loader.
INSERT INTO aion_analytics.router_decisions_staging
SELECT
    toDate({day})                                   AS date,
    occurred_at,
    toUUID(event_id)                                AS event_id,
    toUUID(decision_id)                             AS decision_id,
    task_id,
    tenant_id,
    task_kind,
    privacy_tier,
    selected.route                                  AS route,
    selected.model                                  AS model,
    selected.provider                               AS provider,
    selected.score                                  AS score,
    length(candidate_list)                          AS candidates,
    arrayCount(c -> c.eligible, candidate_list)     AS eligible_candidates,
    latency_ms,
    ifNull(fallback_flag, false)                    AS fallback,
    policy.policy_id                                AS policy_id,
    policy.version                                  AS policy_version,
    schema_id,
    kafka_partition,
    kafka_offset
FROM
(
    -- Renamed, so the output aliases of the same names do not shadow them.
    SELECT *, candidates AS candidate_list, fallback AS fallback_flag
    FROM file({file}, Parquet)
);
