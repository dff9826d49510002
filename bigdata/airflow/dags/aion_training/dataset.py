"""The versioned training dataset: one Parquet file per day and a manifest that describes
every file (rows, SHA-256, schema, time window) and the version they make together.

Ingesting a day writes its file and rewrites the manifest; both are written to a
temporary name and renamed, and neither holds a wall-clock time, so ingesting the same
export again leaves every byte as it was. The version is the SHA-256 of the sorted
(day, file checksum) pairs: it changes exactly when the content does."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

MANIFEST = "manifest.json"
NAME = "router-training"


class DatasetError(RuntimeError):
    """The dataset folder or an export is not what the ingest expects."""


def day_file(root: Path, day: dt.date) -> Path:
    """Where a day's examples live in the dataset."""
    return root / f"date={day.isoformat()}" / "examples.parquet"


def ingest(root: Path, day: dt.date, export: bytes) -> dict[str, Any]:
    """Put a day's export into the dataset (replacing that day) and return the manifest."""
    try:
        table = pq.read_table(io.BytesIO(export))
    except Exception as error:  # pyarrow raises several types for a bad file
        raise DatasetError(f"export of {day} is not Parquet: {error}") from None

    target = day_file(root, day)
    _write_atomically(target, export)

    manifest = read_manifest(root)
    manifest["days"][day.isoformat()] = {
        "file": str(target.relative_to(root)),
        "rows": table.num_rows,
        "sha256": hashlib.sha256(export).hexdigest(),
        "window": {
            "start": f"{day.isoformat()}T00:00:00Z",
            "end": f"{(day + dt.timedelta(days=1)).isoformat()}T00:00:00Z",
        },
    }
    manifest["schema"] = [{"name": field.name, "type": str(field.type)} for field in table.schema]
    days = manifest["days"]
    manifest["rows"] = sum(entry["rows"] for entry in days.values())
    manifest["version"] = hashlib.sha256(
        "".join(f"{d}:{days[d]['sha256']}\n" for d in sorted(days)).encode()
    ).hexdigest()
    manifest["window"] = {
        "start": days[min(days)]["window"]["start"],
        "end": days[max(days)]["window"]["end"],
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    _write_atomically(root / MANIFEST, text.encode())
    return manifest


def read_manifest(root: Path) -> dict[str, Any]:
    """The dataset's manifest, or an empty one for a new dataset."""
    path = root / MANIFEST
    if not path.exists():
        return {"name": NAME, "days": {}}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DatasetError(f"{path}: {error}") from None
    if not isinstance(manifest.get("days"), dict):
        raise DatasetError(f"{path}: no 'days' map")
    return manifest


def verify(root: Path) -> list[str]:
    """Every way the files disagree with the manifest (empty when they agree)."""
    problems = []
    manifest = read_manifest(root)
    for day, entry in sorted(manifest["days"].items()):
        path = root / entry["file"]
        if not path.exists():
            problems.append(f"{day}: {path} is missing")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.append(f"{day}: checksum differs")
        if pq.read_metadata(io.BytesIO(data)).num_rows != entry["rows"]:
            problems.append(f"{day}: row count differs")
    return problems


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
