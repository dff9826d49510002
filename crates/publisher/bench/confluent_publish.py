"""The Python baseline of the publisher benchmark: what a Python service would do with
Confluent's client to publish validated, Avro-framed events.

For each event: validate with `jsonschema` (draft 2020-12, formats checked), serialize
with Confluent's `AvroSerializer` (schema id looked up in the registry, no
auto-registration), produce with an idempotent `acks=all` producer keyed by `task_id`;
then wait for every acknowledgement. Prints one JSON line: {"events": N, "rate": R}.

Run by `crates/publisher/examples/bench.rs` when AION_BENCH_PYTHON names an interpreter
that has confluent-kafka, fastavro and jsonschema; by hand:

    python confluent_publish.py REGISTRY_URL TOPIC EVENTS
"""

import json
import os
import pathlib
import sys
import time

import jsonschema
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

ROOT = pathlib.Path(__file__).resolve().parents[3]


def main():
    registry_url, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    schema = json.loads((ROOT / "schemas/events/router_decision.schema.json").read_text())
    mirror = (ROOT / "bigdata/schemas/router_decision.avsc").read_text()
    template = json.loads(
        (ROOT / "schemas/fixtures/aion.router.decisions/valid.jsonl").read_text().splitlines()[0]
    )

    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    registry = SchemaRegistryClient({"url": registry_url})
    serializer = AvroSerializer(
        registry,
        mirror,
        # Python's Avro serializer takes timestamps as datetimes: a caller would convert,
        # so the conversion is part of the work measured.
        to_dict=to_avro,
        conf={"auto.register.schemas": False},
    )
    producer = Producer({
        "bootstrap.servers": os.environ["AION_KAFKA_BOOTSTRAP"],
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": os.environ.get("AION_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "sasl.username": os.environ["AION_KAFKA_USERNAME"],
        "sasl.password": os.environ["AION_KAFKA_PASSWORD"],
        "enable.idempotence": True,
        "acks": "all",
    })
    context = SerializationContext(topic, MessageField.VALUE)

    events = []
    for n in range(count):
        event = dict(template)
        event["event_id"] = f"00000000-0000-4000-8000-{n:012d}"
        event["task_id"] = f"task-{n % 1009}"
        events.append(event)

    failures = []

    def delivered(error, _message):
        if error is not None:
            failures.append(error)

    # Warm up: the schema id lookup and the connections.
    producer.produce(
        topic, key=b"warm-up", value=serializer(events[0], context), on_delivery=delivered
    )
    producer.flush(30)

    started = time.perf_counter()
    for event in events:
        validator.validate(event)
        value = serializer(event, context)
        while True:
            try:
                producer.produce(
                    topic, key=event["task_id"].encode(), value=value, on_delivery=delivered
                )
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(120)
    elapsed = time.perf_counter() - started

    if failures:
        sys.exit(f"{len(failures)} events failed, first: {failures[0]}")
    print(json.dumps({"events": count, "rate": count / elapsed}))


def to_avro(event, _context):
    from datetime import datetime

    converted = dict(event)
    converted["occurred_at"] = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
    return converted


if __name__ == "__main__":
    main()
