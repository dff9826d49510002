"""The daily training pipeline of the router: load the day of the Spark job's output into
ClickHouse, export the day's training view (decisions joined with task outcomes) to
Parquet, and ingest that export into the versioned training dataset.

Every step replaces its day, so re-running a day (a backfill, a retry) never duplicates
rows. Where things live comes from the environment:

    AION_ANALYTICS_OUTPUT    the Spark job's --output folder
    AION_CLICKHOUSE_PATH     the chDB database folder
    AION_TRAINING_EXPORTS    where the day's exports are kept
    AION_TRAINING_DATASET    the training dataset folder (manifest.json at its top)
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from airflow.sdk import dag, get_current_context, task
from airflow.timetables.trigger import CronTriggerTimetable

from aion_training import clickhouse, dataset


def _path(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        raise RuntimeError(f"{variable} is not set")
    return Path(value)


def _day() -> dt.date:
    # The data interval of a daily run is the day it covers: the run due at midnight
    # covers the day that has just ended.
    start = get_current_context().get("data_interval_start")
    if start is None:
        raise RuntimeError("the run has no data interval: trigger it for a logical date")
    return start.date()


@dag(
    dag_id="aion_router_training",
    # Airflow 3's plain "@daily" gives a run an empty interval at its own start, so the
    # run at midnight would cover the day just begun. A day-long interval ending at the
    # trigger time makes it cover the day just ended.
    schedule=CronTriggerTimetable(
        "0 0 * * *", timezone="UTC", interval=dt.timedelta(days=1)
    ),
    start_date=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    tags=["aion", "analytics"],
    doc_md=__doc__,
)
def router_training() -> None:
    """Load, export, ingest: one day at a time."""

    @task
    def load_day() -> dict[str, int]:
        """Replace the day in ClickHouse with the job's committed output."""
        hook = clickhouse.ChdbHook(_path("AION_CLICKHOUSE_PATH"))
        return clickhouse.load_day(hook, _path("AION_ANALYTICS_OUTPUT"), _day())

    @task
    def export_day(loaded: dict[str, int]) -> str:
        """Write the day's training view to an export file."""
        day = _day()
        hook = clickhouse.ChdbHook(_path("AION_CLICKHOUSE_PATH"))
        target = _path("AION_TRAINING_EXPORTS") / f"{day.isoformat()}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(clickhouse.export_training_view(hook, day))
        return str(target)

    @task
    def ingest_day(export: str) -> str:
        """Ingest the export; the dataset's new version."""
        manifest = dataset.ingest(_path("AION_TRAINING_DATASET"), _day(), Path(export).read_bytes())
        return str(manifest["version"])

    # TaskFlow passes each result on as an XCom reference, which type checkers see as
    # XComArg rather than the value the task receives.
    ingest_day(export_day(load_day()))  # type: ignore[arg-type]


router_training_dag = router_training()
