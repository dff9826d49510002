-- The training view of one day: every decision of that day joined with the outcome of
-- the attempt it routed (features of the decision, the outcome as label). A parameterized
-- view: SELECT * FROM aion_analytics.training_examples(day = '2026-01-31').
-- A retried task is routed again for each attempt, so a task's decisions, numbered in
-- time order over every loaded day, pair with its attempts by number: decision k routed
-- attempt k. Outcomes are looked up on the decision's day and the next, for tasks that
-- end after midnight. Rows are ordered, so an export of an unchanged day is byte for byte
-- the same.
CREATE OR REPLACE VIEW aion_analytics.training_examples AS
SELECT
    d.date                  AS date,
    d.task_id               AS task_id,
    d.decision_id           AS decision_id,
    d.occurred_at           AS decided_at,
    d.tenant_id             AS tenant_id,
    d.task_kind             AS task_kind,
    d.privacy_tier          AS privacy_tier,
    d.route                 AS route,
    d.model                 AS model,
    d.provider              AS provider,
    d.score                 AS score,
    d.candidates            AS candidates,
    d.eligible_candidates   AS eligible_candidates,
    d.latency_ms            AS router_latency_ms,
    d.fallback              AS fallback,
    d.policy_id             AS policy_id,
    d.policy_version        AS policy_version,
    toHour(d.occurred_at)   AS hour_of_day,
    o.attempt               AS attempt,
    o.outcome               AS outcome,
    o.duration_ms           AS duration_ms,
    o.running_ms            AS running_ms,
    o.error_category        AS error_category,
    toUInt8(o.outcome = 'succeeded') AS label
FROM
(
    SELECT *
    FROM
    (
        SELECT
            *,
            toInt64(row_number() OVER (PARTITION BY task_id ORDER BY occurred_at, decision_id))
                AS decision_attempt
        FROM aion_analytics.router_decisions FINAL
        WHERE task_id IN
        (
            SELECT task_id FROM aion_analytics.router_decisions WHERE date = {day:Date}
        )
    )
    WHERE date = {day:Date}
) AS d
INNER JOIN
(
    SELECT * FROM aion_analytics.task_outcomes FINAL
    WHERE date >= {day:Date} AND date <= {day:Date} + 1
) AS o ON d.task_id = o.task_id AND d.decision_attempt = o.attempt
ORDER BY d.task_id, d.decision_id, o.attempt;
