"""Runs the training DAG for one day with `dag.test()`, in the Airflow environment (the
Spark job's environment has no Airflow). Usage: run_dag.py DAGS_FOLDER YYYY-MM-DD.

AIRFLOW_HOME (with a migrated metadata database) and the AION_* folders come from the
environment."""

from __future__ import annotations

import datetime as dt
import sys


def main(dags: str, day: str) -> int:
    """Run the DAG for the day `day`; 0 when the run succeeded."""
    sys.path.insert(0, dags)
    from airflow.utils.state import DagRunState

    import router_training

    # The run that covers a day is the one due at its end, midnight of the next day.
    covered = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    due = covered + dt.timedelta(days=1)
    run = router_training.router_training_dag.test(logical_date=due, run_after=due)
    print(f"dag run {day}: {run.state}")
    return 0 if run.state == DagRunState.SUCCESS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
