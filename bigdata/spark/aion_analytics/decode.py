"""Confluent-framed Avro values to JSON records in the job's reader schema, or a reason.

A value is magic byte 0, a 4-byte big-endian schema id and an Avro body written with that
id's schema. The body is read with the WRITER schema from the registry and resolved to the
reader schema (the catalog's Avro mirror), so older and newer compatible writers land in
one shape. Every failure is a reason string, never an exception: quarantine keeps it."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import fastavro
from fastavro.schema import parse_schema

from aion_analytics.registry import NotAvro, SchemaLookup
from aion_analytics.schemas import strip_logical_types

MAGIC = 0
HEADER = 5


@dataclass(frozen=True)
class Decoded:
    """The outcome for one record: the schema id when the header had one, and either the
    decoded record as JSON or the reason it could not be decoded."""

    schema_id: int | None
    payload: str | None
    reason: str | None


class Decoder:
    """Decodes the values of one topic; keeps parsed writer schemas per id."""

    def __init__(self, reader_schema: dict[str, Any], lookup: SchemaLookup) -> None:
        self._reader = parse_schema(strip_logical_types(reader_schema))
        self._lookup = lookup
        self._writers: dict[int, Any] = {}

    def decode(self, value: bytes | None) -> Decoded:
        """Decode one record value (see the module docs for the outcomes)."""
        if value is None or len(value) == 0:
            return Decoded(None, None, "empty value")
        if value[0] != MAGIC:
            return Decoded(None, None, f"bad magic byte {value[0]} (expected 0)")
        if len(value) < HEADER:
            return Decoded(None, None, f"truncated header ({len(value)} bytes)")

        schema_id = int.from_bytes(value[1:HEADER], "big")
        try:
            writer = self._writer(schema_id)
        except NotAvro as error:
            return Decoded(schema_id, None, str(error))
        if writer is None:
            return Decoded(schema_id, None, f"unknown schema id {schema_id}")

        body = io.BytesIO(value[HEADER:])
        try:
            record = fastavro.schemaless_reader(body, writer, self._reader)
        except Exception as error:  # noqa: BLE001 - any decoder failure is a corrupt body
            detail = f"{type(error).__name__}: {error}"[:200]
            return Decoded(schema_id, None, f"corrupt body for schema id {schema_id}: {detail}")
        rest = len(value) - HEADER - body.tell()
        if rest:
            return Decoded(
                schema_id, None, f"{rest} bytes after the record (schema id {schema_id})"
            )

        return Decoded(schema_id, json.dumps(record, separators=(",", ":")), None)

    def _writer(self, schema_id: int) -> Any:
        if schema_id not in self._writers:
            raw = self._lookup.writer_schema(schema_id)
            self._writers[schema_id] = (
                None if raw is None else parse_schema(strip_logical_types(raw))
            )
        return self._writers[schema_id]
