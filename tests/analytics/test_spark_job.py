"""End to end: the scenario published with `aion-events publish` to the catalog topics on
the real broker, the Spark job run in local mode (available-now) as the run's Spark
service account, with writer schemas from the project's registry; every output checked
value by value; a second run over the same checkpoints adds nothing.

Run (repository root, broker running, binary built, scripts/setup-python.sh done):

    eval "$(scripts/kafka.sh env)"
    .dev/spark-venv/bin/pytest -q -p no:cacheprovider tests/analytics
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

import scenario as scenario_module
from outputs import fingerprint, rows
from pipeline import DECISIONS, LIFECYCLE, Run, publish, run_job

UTC = dt.UTC


def as_utc(value: dt.datetime) -> dt.datetime:
    """Parquet timestamps read back naive or aware; compare them in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_decoded_decisions_are_partitioned_by_date(run: Run):
    scenario = run.scenario
    decoded = rows(run.output / "events/decisions", "task_id", f"t-{scenario.run}")

    # Every decision, the replay included (the raw store keeps what was sent).
    assert len(decoded) == len(scenario.decisions)
    assert Counter(r["event_id"] for r in decoded) == Counter(
        e["event_id"] for e in scenario.decisions
    )
    by_decision = {t.decision_id: t for t in scenario.tasks}
    for row in decoded:
        task = by_decision.get(row["decision_id"])
        if task is None:
            continue
        assert row["privacy_tier"] == task.tier
        assert row["selected"]["route"] == task.route
        assert row["latency_ms"] == task.latency_ms
        assert as_utc(row["occurred_at"]) == task.decided_at
        assert str(row["date"]) == task.day.isoformat()
        assert row["candidates"][1]["rejection_reason"] == "privacy_tier"
        assert row["candidates"][0]["estimated_cost_usd"] == pytest.approx(0.002)
        assert row["policy"]["rule"] == "tier-bound"
        assert row["schema_id"] > 0


def test_decoded_lifecycle(run: Run):
    scenario = run.scenario
    decoded = rows(run.output / "events/lifecycle", "task_id", f"t-{scenario.run}")

    assert len(decoded) == len(scenario.lifecycle)
    failed = [r for r in decoded if r["to_state"] == "failed"]
    assert failed and all(r["error"]["code"] == "PROVIDER_5XX" for r in failed)
    queued = [r for r in decoded if r["to_state"] == "queued"]
    assert all(r["from_state"] is None for r in queued if r["attempt"] == 1)
    assert [r["from_state"] for r in queued if r["attempt"] == 2] == ["failed"]


def test_decisions_per_minute_by_tier_and_route(run: Run):
    scenario = run.scenario
    minutes = rows(run.output / "aggregates/decisions_per_minute", "route", "")
    mine = [
        r
        for r in minutes
        if r["route"] in scenario.routes and as_utc(r["minute"]).date() in scenario.days
    ]

    got = Counter()
    for row in mine:
        got[(as_utc(row["minute"]), row["privacy_tier"], row["route"])] += row["decisions"]
    # The replayed event counts once; the sentinel's minute stays open (not yet written).
    assert got == scenario.expected_per_minute()
    for row in mine:
        assert row["fallbacks"] == 0
        assert row["max_latency_ms"] >= row["avg_latency_ms"] > 0


def test_task_durations_and_outcomes(run: Run):
    scenario = run.scenario
    outcomes = rows(run.output / "aggregates/task_outcomes", "task_id", f"t-{scenario.run}")

    assert len(outcomes) == len(scenario.tasks)
    by_attempt = {(r["task_id"], r["attempt"]): r for r in outcomes}
    for task in scenario.tasks:
        row = by_attempt[(task.task_id, task.attempt)]
        assert row["outcome"] == task.outcome
        assert row["duration_ms"] == pytest.approx(task.since_creation_ms)
        assert row["running_ms"] == pytest.approx(task.running_ms)
        assert row["route"] == task.route
        assert str(row["date"]) == task.ended_on.isoformat()
        if task.outcome == "failed":
            assert (row["error_code"], row["error_category"]) == ("PROVIDER_5XX", "provider_error")
        else:
            assert row["error_code"] is None


def test_undecodable_records_land_in_quarantine_with_their_reason(run: Run):
    scenario = run.scenario
    quarantined = rows(run.output / f"quarantine/{DECISIONS}", "key", f"q-{scenario.run}")
    quarantined += rows(run.output / f"quarantine/{LIFECYCLE}", "key", f"q-{scenario.run}")

    reasons = {r["key"]: r["reason"] for r in quarantined}
    assert set(reasons) == set(scenario.quarantined)
    for key, expected in scenario.quarantined.items():
        assert reasons[key].startswith(expected), (key, reasons[key])
    assert all(r["value"] for r in quarantined), "the raw value is kept"


def test_a_second_run_over_the_same_checkpoints_adds_nothing(run: Run):
    before = fingerprint(run.output)
    assert before

    run_job(run.job_command, run.job_env)

    assert fingerprint(run.output) == before


def test_a_restarted_job_continues_with_only_the_new_records(run: Run):
    scenario = run.scenario
    late_day = scenario.days[1] + dt.timedelta(days=1)
    at = dt.datetime.combine(late_day, dt.time(12, 5), UTC)
    task = scenario_module.Task(
        f"t-{scenario.run}-later",
        late_day,
        "restricted",
        scenario.routes[1],
        at,
        "succeeded",
        3000.0,
        1000.0,
        2.5,
    )
    pending = scenario.pending
    assert pending is not None
    publish(run.catalog, run.registry_url, DECISIONS, [scenario_module.decision(task)], run.workdir)
    ends = scenario_module.transitions(task) + scenario_module.transitions(pending)[-1:]
    publish(run.catalog, run.registry_url, LIFECYCLE, ends, run.workdir)

    run_job(run.job_command, run.job_env)

    prefix = f"t-{scenario.run}"
    decisions = rows(run.output / "events/decisions", "task_id", prefix)
    assert len(decisions) == len(scenario.decisions) + 1
    assert [r["task_id"] for r in decisions].count(task.task_id) == 1
    lifecycle = rows(run.output / "events/lifecycle", "task_id", prefix)
    assert len(lifecycle) == len(scenario.lifecycle) + 5
    outcomes = rows(run.output / "aggregates/task_outcomes", "task_id", prefix)
    assert len(outcomes) == len(scenario.tasks) + 2
    later = [r for r in outcomes if r["task_id"] == task.task_id]
    assert later[0]["duration_ms"] == pytest.approx(3000.0)
    # Its creation was read by the first run: the restarted job found it in its state.
    ended = [r for r in outcomes if r["task_id"] == pending.task_id]
    assert len(ended) == 1
    assert ended[0]["duration_ms"] == pytest.approx(pending.since_creation_ms)
    assert ended[0]["running_ms"] == pytest.approx(pending.running_ms)


def test_the_password_stays_out_of_the_job_log(run: Run):
    assert "starting with Settings(" in run.first_log
    assert run.job_env["AION_SPARK_KAFKA_PASSWORD"] not in run.first_log
