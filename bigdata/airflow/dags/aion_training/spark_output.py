"""The files a Spark file sink has committed, read from its `_spark_metadata` log.

A failed micro-batch can leave Parquet files in the output folder that no batch ever
committed; readers that list the folder would load them. Only files in the log count."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import unquote, urlparse


class SinkLogError(RuntimeError):
    """The sink's metadata log is missing or unreadable."""


def committed_files(sink: Path, day: dt.date) -> list[Path]:
    """Committed Parquet files of the `date=<day>` partition of a file sink, sorted."""
    log = sink / "_spark_metadata"
    if not log.is_dir():
        if sink.exists():
            raise SinkLogError(f"{sink} has no _spark_metadata log: not a Spark file sink")
        return []

    added: set[str] = set()
    for entry in sorted(log.iterdir(), key=_batch_order):
        if entry.name.startswith("."):
            continue
        lines = entry.read_text().splitlines()
        if not lines or not lines[0].startswith("v"):
            raise SinkLogError(f"{entry}: not a sink log file")
        for line in lines[1:]:
            if not line.strip():
                continue
            record = json.loads(line)
            path = unquote(urlparse(record["path"]).path)
            if record.get("action", "add") == "delete":
                added.discard(path)
            else:
                added.add(path)

    partition = f"/date={day.isoformat()}/"
    return sorted(Path(p) for p in added if partition in p)


def _batch_order(entry: Path) -> tuple[int, int]:
    # "12" and "9.compact": numeric order; a compact file before later batches.
    stem = entry.name.split(".")[0]
    return (int(stem), 0) if stem.isdigit() else (-1, 0)
