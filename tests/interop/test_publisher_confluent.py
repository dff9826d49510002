"""Interoperability: what the Rust publisher writes, Confluent's Python client reads.

`aion-events publish` (the validating publisher) sends the catalog's valid router
decisions to a fresh topic; then Confluent's Consumer reads them back and its
AvroDeserializer, resolving the writer schema through SchemaRegistryClient against
the Aion registry, decodes every record to the same event.

A registry is started from the `aion-events` binary on a schemas topic of its own,
and a scratch copy of the catalog names the fresh topic, so nothing shared is
touched. Kafka settings come from the AION_KAFKA_* environment.

Run (from the repository root, broker running, binary built):

    eval "$(scripts/kafka.sh env)"
    cargo build -q --bin aion-events
    PYTHONDONTWRITEBYTECODE=1 .dev/interop-venv/bin/pytest -q -p no:cacheprovider \
        tests/interop/test_publisher_confluent.py
"""

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from support import ROOT, BINARY, kafka_settings

FIXTURES = ROOT / "schemas/fixtures/aion.router.decisions/valid.jsonl"


@pytest.fixture
def topic(tmp_path):
    """A fresh topic, and a scratch catalog in which the router decisions topic has its name."""
    name = f"interop-publisher-{uuid.uuid4().hex[:12]}"
    admin = AdminClient(kafka_settings())
    admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])[name].result(30)

    for sub in ("bigdata/schemas", "schemas/events"):
        shutil.copytree(ROOT / sub, tmp_path / sub)
    catalog = (ROOT / "bigdata/topics.yaml").read_text()
    renamed = catalog.replace("name: aion.router.decisions\n", f"name: {name}\n", 1)
    assert renamed != catalog
    (tmp_path / "bigdata/topics.yaml").write_text(renamed)
    return name, tmp_path / "bigdata/topics.yaml"


def consume(name, count):
    consumer = Consumer({
        **kafka_settings(),
        "group.id": f"interop-{uuid.uuid4().hex[:12]}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.assign([TopicPartition(name, p, 0) for p in range(2)])
    messages = []
    deadline = time.monotonic() + 60
    while len(messages) < count and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        assert message.error() is None, message.error()
        messages.append(message)
    consumer.close()
    return messages


def test_confluent_consumer_decodes_what_the_publisher_sent(registry_url, topic):
    name, catalog = topic
    events = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]
    # The fixtures reuse an event id on purpose (a replay); here each event must be told
    # apart, and one is left without an id for the publisher to fill.
    for event in events:
        event["event_id"] = str(uuid.uuid4())
    del events[-1]["event_id"]
    source = catalog.parent / "events.jsonl"
    source.write_text("".join(json.dumps(event) + "\n" for event in events))

    published = subprocess.run(
        [str(BINARY), "--catalog", str(catalog), "publish", "--topic", name,
         "--auto-register", str(source)],
        env={**os.environ, "AION_REGISTRY_URL": registry_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert published.returncode == 0, published.stdout + published.stderr
    assert f"sent {len(events)}, rejected 0, failed 0" in published.stdout

    client = SchemaRegistryClient({"url": registry_url})
    registered = client.get_latest_version(f"{name}-value")
    deserializer = AvroDeserializer(client)

    messages = consume(name, len(events))
    assert len(messages) == len(events)

    by_id = {event["event_id"]: event for event in events[:-1]}
    filled = events[-1]
    for message in messages:
        value = message.value()
        assert value[0] == 0 and int.from_bytes(value[1:5], "big") == registered.schema_id
        decoded = deserializer(value, SerializationContext(name, MessageField.VALUE))
        sent = by_id.pop(str(decoded["event_id"]), None)
        if sent is None:
            assert filled is not None and message.key().decode() == filled["task_id"]
            sent, filled = filled, None
        assert message.key().decode() == sent["task_id"]
        for field in ("task_id", "task_kind", "privacy_tier", "latency_ms", "tenant_id"):
            assert decoded[field] == sent[field], field
        routes = [c["route"] for c in decoded["candidates"]]
        assert routes == [c["route"] for c in sent["candidates"]]
        assert decoded["occurred_at"].isoformat().startswith(sent["occurred_at"][:19])
    assert by_id == {}, "events not read back"
