"""Reading the job's Parquet outputs back in tests: rows of one output as dicts, filtered to
one run, and a fingerprint of every data file to tell whether a run changed anything."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds


def rows(path: Path, column: str, prefix: str) -> list[dict[str, Any]]:
    """Rows of a Parquet output whose `column` starts with `prefix` (files starting with
    `_` or `.`, such as Spark's metadata log, are skipped)."""
    if not path.exists():
        return []
    dataset = ds.dataset(str(path), format="parquet", partitioning="hive")
    table = dataset.to_table()
    return [row for row in table.to_pylist() if str(row.get(column) or "").startswith(prefix)]


def fingerprint(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every Parquet file under `root`."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*.parquet"))
    }
