"""The daily training DAG run with `dag.test()` (in the Airflow environment) for the two
days of the scenario, against the Spark job's output: ClickHouse (chDB) loaded, the
training view exported, the versioned dataset ingested. The dataset holds exactly the
expected rows, the manifest matches its files, and re-running a day changes no byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import Run
from support import ROOT

AIRFLOW_PYTHON = Path(os.environ.get("AION_AIRFLOW_PYTHON", ROOT / ".dev/airflow-venv/bin/python"))
DAGS = ROOT / "bigdata/airflow/dags"


@pytest.fixture(scope="module")
def airflow(run: Run, tmp_path_factory) -> dict[str, str]:
    """Environment for running the DAG: a migrated SQLite metadata database of its own."""
    return airflow_env(run, tmp_path_factory)


def airflow_env(run: Run, tmp_path_factory) -> dict[str, str]:
    """A fresh Airflow home, ClickHouse folder, exports and dataset over the job's output."""
    if not AIRFLOW_PYTHON.exists():
        pytest.fail(f"{AIRFLOW_PYTHON} is missing: run scripts/setup-python.sh")
    base = tmp_path_factory.mktemp("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(base / "home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AION_ANALYTICS_OUTPUT": str(run.output),
        "AION_CLICKHOUSE_PATH": str(base / "clickhouse"),
        "AION_TRAINING_EXPORTS": str(base / "exports"),
        "AION_TRAINING_DATASET": str(base / "dataset"),
    }
    migrate = subprocess.run(
        [str(AIRFLOW_PYTHON), "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout[-4000:] + migrate.stderr[-4000:]
    return env


def run_day(env: dict[str, str], day: str) -> None:
    done = subprocess.run(
        [str(AIRFLOW_PYTHON), str(Path(__file__).with_name("run_dag.py")), str(DAGS), day],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-8000:]
    assert f"dag run {day}: success" in done.stdout


def stored_rows(env: dict[str, str]) -> str:
    """Rows the ClickHouse tables hold as stored, without FINAL's collapsing: what a load
    that appended instead of replacing would grow."""
    query = (
        "SELECT (SELECT count() FROM aion_analytics.router_decisions), "
        "(SELECT count() FROM aion_analytics.task_outcomes)"
    )
    script = (
        "import sys; from chdb import session; "
        "s = session.Session(sys.argv[1]); print(s.query(sys.argv[2], 'TSV').bytes().decode())"
    )
    done = subprocess.run(
        [str(AIRFLOW_PYTHON), "-c", script, env["AION_CLICKHOUSE_PATH"], query],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip()


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_days_make_exactly_the_expected_training_rows(run: Run, airflow: dict[str, str]):
    scenario = run.scenario
    days = [day.isoformat() for day in scenario.days]
    for day in days:
        run_day(airflow, day)

    dataset = Path(airflow["AION_TRAINING_DATASET"])
    manifest = json.loads((dataset / "manifest.json").read_text())
    assert sorted(manifest["days"]) == days
    assert manifest["rows"] == len(scenario.tasks)
    after_last = scenario.days[1] + dt.timedelta(days=1)
    assert manifest["window"] == {
        "start": f"{days[0]}T00:00:00Z",
        "end": f"{after_last.isoformat()}T00:00:00Z",
    }
    names = [field["name"] for field in manifest["schema"]]
    assert {"privacy_tier", "route", "router_latency_ms", "label", "duration_ms"} <= set(names)

    for day in scenario.days:
        entry = manifest["days"][day.isoformat()]
        data = (dataset / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        table = pq.read_table(dataset / entry["file"])
        assert table.num_rows == entry["rows"]

        rows = {(row["task_id"], row["attempt"]): row for row in table.to_pylist()}
        expected = scenario.tasks_of(day)
        # Exactly the day's attempts, once each: the replayed decision is not a second
        # row, and a retried task's decisions are paired with their own attempts only.
        assert table.num_rows == len(expected)
        assert set(rows) == {(task.task_id, task.attempt) for task in expected}
        for task in expected:
            row = rows[(task.task_id, task.attempt)]
            assert row["decided_at"].replace(tzinfo=dt.UTC) == task.decided_at
            assert row["privacy_tier"] == task.tier
            assert row["route"] == task.route
            assert row["router_latency_ms"] == task.latency_ms
            assert row["outcome"] == task.outcome
            assert row["label"] == (1 if task.outcome == "succeeded" else 0)
            assert row["duration_ms"] == pytest.approx(task.since_creation_ms)
            assert row["eligible_candidates"] == 1 and row["candidates"] == 2


def test_rerunning_a_day_leaves_identical_files(run: Run, airflow: dict[str, str]):
    dataset = Path(airflow["AION_TRAINING_DATASET"])
    exports = Path(airflow["AION_TRAINING_EXPORTS"])
    first = run.scenario.days[0].isoformat()
    if not (dataset / "manifest.json").exists():
        for day in run.scenario.days:
            run_day(airflow, day.isoformat())
    before = snapshot(dataset), snapshot(exports)
    stored = stored_rows(airflow)

    run_day(airflow, first)

    assert (snapshot(dataset), snapshot(exports)) == before
    assert stored_rows(airflow) == stored


def test_a_day_without_data_loads_and_exports_nothing(run: Run, tmp_path_factory):
    env = airflow_env(run, tmp_path_factory)
    empty = (run.scenario.days[0] - dt.timedelta(days=1)).isoformat()

    run_day(env, empty)
    run_day(env, empty)

    manifest = json.loads((Path(env["AION_TRAINING_DATASET"]) / "manifest.json").read_text())
    assert manifest["days"][empty]["rows"] == 0
    assert manifest["rows"] == 0
