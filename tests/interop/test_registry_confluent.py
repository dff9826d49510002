"""Interoperability: Confluent's own Python client against the Aion registry.

A registry is started from the `aion-events` binary on a topic of its own
(Kafka settings from the AION_KAFKA_* environment, as `scripts/kafka.sh env`
prints them), then Confluent's SchemaRegistryClient registers and reads the
catalog's Avro mirror, and AvroSerializer / AvroDeserializer round-trip a
router decision through Confluent's wire framing.

Run (from the repository root, broker running, binary built):

    eval "$(scripts/kafka.sh env)"
    cargo build -q --bin aion-events
    PYTHONDONTWRITEBYTECODE=1 .dev/interop-venv/bin/pytest -q -p no:cacheprovider tests/interop
"""

import datetime
import json

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

from support import ROOT

SUBJECT = "aion.router.decisions-value"
MIRROR = (ROOT / "bigdata/schemas/router_decision.avsc").read_text()


@pytest.fixture(scope="module")
def client(registry_url):
    return SchemaRegistryClient({"url": registry_url})


def sample_decision():
    line = (ROOT / "schemas/fixtures/aion.router.decisions/valid.jsonl").read_text().splitlines()[0]
    event = json.loads(line)
    event["occurred_at"] = datetime.datetime(
        2026, 11, 30, 9, 15, 2, 481000, tzinfo=datetime.timezone.utc
    )
    return event


def test_client_registers_and_reads_back(client):
    schema_id = client.register_schema(SUBJECT, Schema(MIRROR, "AVRO"))

    assert client.register_schema(SUBJECT, Schema(MIRROR, "AVRO")) == schema_id
    fetched = client.get_schema(schema_id)
    assert fetched.schema_type == "AVRO"
    assert json.loads(fetched.schema_str)["name"].endswith("RouterDecision")

    latest = client.get_latest_version(SUBJECT)
    assert (latest.schema_id, latest.version, latest.subject) == (schema_id, 1, SUBJECT)
    assert client.lookup_schema(SUBJECT, Schema(MIRROR, "AVRO")).version == 1
    assert SUBJECT in client.get_subjects()
    assert client.get_versions(SUBJECT) == [1]
    assert client.get_version(SUBJECT, 1).schema_id == schema_id

    assert client.test_compatibility(SUBJECT, Schema(MIRROR, "AVRO")) is True
    client.set_compatibility(subject_name=SUBJECT, level="FULL")
    assert client.get_compatibility(SUBJECT) == "FULL"


def test_client_sees_registry_errors(client):
    with pytest.raises(SchemaRegistryError) as missing:
        client.get_latest_version("no-such-subject-value")
    assert missing.value.error_code == 40401

    with pytest.raises(SchemaRegistryError) as invalid:
        client.register_schema("broken-value", Schema('{"type": "record"}', "AVRO"))
    assert invalid.value.error_code == 42201


def test_avro_serializer_and_deserializer_round_trip(client):
    serializer = AvroSerializer(client, MIRROR)
    deserializer = AvroDeserializer(client)
    context = SerializationContext("aion.router.decisions", MessageField.VALUE)
    decision = sample_decision()

    framed = serializer(decision, context)

    assert framed[0] == 0, "Confluent framing starts with magic byte 0"
    schema_id = int.from_bytes(framed[1:5], "big")
    assert client.get_latest_version(SUBJECT).schema_id == schema_id

    decoded = deserializer(framed, context)
    assert decoded["occurred_at"] == decision["occurred_at"]
    for field in ("task_id", "task_kind", "privacy_tier", "latency_ms"):
        assert decoded[field] == decision[field], field
    # Optional fields the event left out come back as their defaults.
    for record in ("selected", "policy"):
        assert {k: decoded[record][k] for k in decision[record]} == decision[record], record
    assert str(decoded["event_id"]) == decision["event_id"]
    routes = [c["route"] for c in decoded["candidates"]]
    assert routes == [c["route"] for c in decision["candidates"]]
