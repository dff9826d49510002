"""A thin ClickHouse hook over chDB (the ClickHouse engine in process), and the day load
that runs the project's DDL and load SQL through it.

Why not airflow-clickhouse-plugin: it speaks ClickHouse's native protocol to a server
through a connection; chDB has no server and no connection to configure. The SQL in
bigdata/clickhouse is what a server runs as well; only how files reach it differs (a
server reads Parquet from clickhouse-client's stdin or its user_files folder)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from chdb import session as chdb_session

from aion_training.spark_output import committed_files

SQL = Path(__file__).resolve().parents[3] / "clickhouse"
DDL = ["01_router_decisions.sql", "02_task_outcomes.sql", "03_training_examples.sql"]

#: table -> (the job's output folder under its output root, the load SQL file, the days
#: after the run's day that it loads as well). Outcomes are partitioned by the day a task
#: ended, so a task decided late in the day may end the next: the next day's outcomes are
#: loaded as far as the job has written them, and replaced again by that day's own run.
TABLES = {
    "router_decisions": ("events/decisions", "load_router_decisions.sql", 0),
    "task_outcomes": ("aggregates/task_outcomes", "load_task_outcomes.sql", 1),
}


class ClickHouseError(RuntimeError):
    """A statement failed; carries the statement's first line and ClickHouse's message."""


def literal(value: str) -> str:
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def statements(script: str) -> list[str]:
    """The statements of a SQL script (`;` at the end of a line ends one; comments kept)."""
    parts, current = [], []
    for line in script.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current).strip())
            current = []
    rest = "\n".join(current).strip()
    if rest and not all(line.strip().startswith("--") for line in rest.splitlines()):
        parts.append(rest)
    return [p for p in parts if _has_code(p)]


def _has_code(statement: str) -> bool:
    return any(
        line.strip() and not line.strip().startswith("--") for line in statement.splitlines()
    )


class ChdbHook:
    """One chDB database folder. chDB allows one session per process, so sessions are
    opened per call and serialised."""

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def run(self, sql: str, fmt: str = "CSV") -> bytes:
        """Run one statement; its output in `fmt`."""
        with self._lock:
            session = chdb_session.Session(str(self.path))
            try:
                result = session.query(sql, fmt)
            except Exception as error:  # chDB raises its own RuntimeError subclasses
                first = sql.strip().splitlines()[0][:120]
                raise ClickHouseError(f"{first}: {error}") from None
            finally:
                session.close()
        return result.bytes()

    def run_script(self, script: str) -> None:
        """Run every statement of a script, in order."""
        for statement in statements(script):
            self.run(statement)

    def scalar(self, sql: str) -> str:
        """The single value a query returns, as text."""
        return self.run(sql, "TSV").decode().strip()


def create_schema(hook: ChdbHook) -> None:
    """Create the database, the tables and the training view (idempotent)."""
    for name in DDL:
        hook.run_script((SQL / name).read_text())


def load_day(hook: ChdbHook, output: Path, day: dt.date) -> dict[str, int]:
    """Replace `day` in every table (and the next day in the outcomes) with the committed
    files of the job's output; returns the rows each table holds for `day` afterwards."""
    create_schema(hook)

    loaded = {}
    for table, (folder, load_sql, ahead) in TABLES.items():
        for offset in range(ahead + 1):
            replace_partition(hook, table, output / folder, load_sql, day + dt.timedelta(offset))
        partition = literal(day.isoformat())
        loaded[table] = int(
            hook.scalar(
                f"SELECT count() FROM aion_analytics.{table} FINAL WHERE date = {partition}"
            )
        )
    return loaded


def replace_partition(
    hook: ChdbHook, table: str, folder: Path, load_sql: str, day: dt.date
) -> None:
    """Replace the partition `day` of `table` with the committed files of `folder`."""
    staging = f"aion_analytics.{table}_staging"
    hook.run(f"TRUNCATE TABLE {staging}")

    template = (SQL / load_sql).read_text()
    for file in committed_files(folder, day):
        sql = template.replace("{file}", literal(str(file)))
        hook.run_script(sql.replace("{day}", literal(day.isoformat())))

    # Atomic swap of the whole partition: a reload replaces, never adds. A day without
    # rows is dropped explicitly: ClickHouse refuses to replace from an empty source.
    partition = literal(day.isoformat())
    target = f"aion_analytics.{table}"
    if int(hook.scalar(f"SELECT count() FROM {staging}")) == 0:
        hook.run(f"ALTER TABLE {target} DROP PARTITION {partition}")
    else:
        hook.run(f"ALTER TABLE {target} REPLACE PARTITION {partition} FROM {staging}")


def export_training_view(hook: ChdbHook, day: dt.date) -> bytes:
    """The day's training examples as Parquet bytes."""
    create_schema(hook)
    return hook.run(
        f"SELECT * FROM aion_analytics.training_examples(day = {literal(day.isoformat())})",
        "Parquet",
    )
