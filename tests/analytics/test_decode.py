"""The decoding step on its own: Confluent framing, writer-to-reader schema resolution
and the reason given for each kind of bad record. Writer schemas come from a registry
answer kept in memory (this is pure Avro logic; the end-to-end tests use the real one)."""

from __future__ import annotations

import copy
import io
import json

import fastavro
import pytest

from aion_analytics.decode import Decoder
from aion_analytics.registry import NotAvro
from aion_analytics.schemas import load_reader_schema, strip_logical_types

LIFECYCLE = "aion.tasks.lifecycle"


class Answers:
    """Schema id -> parsed schema, or "json" for a JSON Schema id."""

    def __init__(self, schemas):
        self.schemas = schemas
        self.asked = []

    def writer_schema(self, schema_id):
        self.asked.append(schema_id)
        found = self.schemas.get(schema_id)
        if found == "json":
            raise NotAvro(f"schema id {schema_id} is a JSON schema, not Avro")
        return found


def older_writer():
    """The lifecycle schema without its last field (an older, compatible writer)."""
    schema = copy.deepcopy(load_reader_schema(LIFECYCLE))
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "error"]
    return schema


def frame(schema_id, schema, record):
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(strip_logical_types(schema)), record)
    return b"\x00" + schema_id.to_bytes(4, "big") + body.getvalue()


RECORD = {
    "event_id": "1a2b3d79-5f9b-412c-812c-0a1b2c3d4f8b",
    "event_type": "task.state.changed",
    "occurred_at": 1_700_000_000_123_456,
    "producer": "task-scheduler",
    "task_id": "task-1",
    "tenant_id": "acme",
    "from_state": None,
    "to_state": "queued",
    "attempt": 1,
    "max_attempts": None,
    "route": None,
    "model": None,
    "duration_ms": None,
    "reason": None,
}


@pytest.fixture
def decoder():
    answers = Answers({7: older_writer(), 9: "json"})
    return Decoder(load_reader_schema(LIFECYCLE), answers), answers


def test_an_older_writer_resolves_to_the_reader_shape(decoder):
    decode, answers = decoder
    outcome = decode.decode(frame(7, older_writer(), RECORD))

    assert outcome.reason is None and outcome.schema_id == 7
    event = json.loads(outcome.payload)
    assert event["occurred_at"] == RECORD["occurred_at"]
    assert event["to_state"] == "queued"
    assert event["error"] is None  # filled from the reader's default
    decode.decode(frame(7, older_writer(), RECORD))
    assert answers.asked == [7], "a writer schema is fetched once"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty value"),
        (b"", "empty value"),
        (b"\x05\x00\x00\x00\x07", "bad magic byte 5"),
        (b"\x00\x00\x07", "truncated header"),
        (b"\x00\x00\x00\x00\x08\x02", "unknown schema id 8"),
        (b"\x00\x00\x00\x00\x09\x02", "schema id 9 is a JSON schema"),
        (b"\x00\x00\x00\x00\x07\x02", "corrupt body for schema id 7"),
    ],
)
def test_bad_records_get_their_reason(decoder, value, reason):
    outcome = decoder[0].decode(value)
    assert outcome.payload is None
    assert outcome.reason.startswith(reason), outcome.reason


def test_bytes_after_the_record_are_refused(decoder):
    outcome = decoder[0].decode(frame(7, older_writer(), RECORD) + b"\x00\x00")
    assert outcome.reason == "2 bytes after the record (schema id 7)"
