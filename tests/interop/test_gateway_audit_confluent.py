"""Interoperability: the audit events the gateway publishes, Confluent's Python client reads.

`aion-events gateway run` serves the shipped policy with its control-plane URLs pointed at
a local receiver; one signed, API-key-authenticated command is accepted, and Confluent's
Consumer reads its audit event from `aion.audit.activity` (from the offsets before the
command, picking the event by command id) while AvroDeserializer, resolving the writer
schema through SchemaRegistryClient against the Aion registry, decodes it.

A registry is started from the `aion-events` binary on a schemas topic of its own and the
audit mirror registered in it. Kafka settings come from the AION_KAFKA_* environment.

Run (from the repository root, broker running, binary built):

    eval "$(scripts/kafka.sh env)"
    cargo build -q --bin aion-events
    PYTHONDONTWRITEBYTECODE=1 .dev/interop-venv/bin/pytest -q -p no:cacheprovider \
        tests/interop/test_gateway_audit_confluent.py
"""

import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from support import ROOT, BINARY, kafka_settings, free_port, wait_for

AUDIT_TOPIC = "aion.audit.activity"
HMAC_SECRET = "whsec-interop-gateway-" + uuid.uuid4().hex
API_KEY = uuid.uuid4().hex + uuid.uuid4().hex


@pytest.fixture
def control_plane():
    """A control plane that accepts every command."""

    class Accept(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Accept)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def gateway(registry_url, control_plane, tmp_path):
    """`aion-events gateway run` on the shipped policy, with an API key for ops-console."""
    admin = AdminClient(kafka_settings())
    try:
        admin.create_topics([NewTopic(AUDIT_TOPIC, num_partitions=6, replication_factor=1)])[
            AUDIT_TOPIC
        ].result(30)
    except KafkaException as e:
        if "TOPIC_ALREADY_EXISTS" not in str(e):
            raise

    client = SchemaRegistryClient({"url": registry_url})
    mirror = (ROOT / "bigdata/schemas/audit_activity.avsc").read_text()
    client.register_schema(f"{AUDIT_TOPIC}-value", Schema(mirror, "AVRO"))

    shutil.copytree(ROOT / "policies/commands", tmp_path / "commands")
    digest = hashlib.sha256(API_KEY.encode()).hexdigest()
    policy = (ROOT / "policies/gateway.yaml").read_text()
    patched = policy.replace("http://control-plane:8080", control_plane).replace(
        "    api_keys: []\n", f"    api_keys: [{{ id: interop-ci, sha256: {digest} }}]\n", 1
    )
    assert digest in patched and control_plane in patched
    (tmp_path / "gateway.yaml").write_text(patched)

    port = free_port()
    log = tmp_path / "gateway.log"
    env = {
        **os.environ,
        "AION_REGISTRY_URL": registry_url,
        "AION_GATEWAY_OPS_CONSOLE_SECRET": HMAC_SECRET,
        "AION_GATEWAY_MODULE_REGISTRY_SECRET": "whsec-unused-" + uuid.uuid4().hex,
        "AION_GATEWAY_JWT_SECRET": "jwt-unused-" + uuid.uuid4().hex,
    }
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(BINARY), "--catalog", str(ROOT / "bigdata/topics.yaml"), "gateway", "run",
             "--config", str(tmp_path / "gateway.yaml"), "--listen", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/", process, log, "the gateway")
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def high_watermarks(consumer):
    partitions = consumer.list_topics(AUDIT_TOPIC, timeout=10).topics[AUDIT_TOPIC].partitions
    return {p: consumer.get_watermark_offsets(TopicPartition(AUDIT_TOPIC, p), timeout=10)[1]
            for p in partitions}


def test_confluent_reads_the_audit_event_of_an_accepted_command(registry_url, gateway):
    gateway, log = gateway
    consumer = Consumer({
        **kafka_settings(),
        "group.id": f"interop-gateway-{uuid.uuid4().hex[:12]}",
        "enable.auto.commit": False,
    })
    start = high_watermarks(consumer)

    body = json.dumps({
        "action": "approve_kernel_proposal",
        "payload": {"proposal_id": "kp-2026-0147", "reason": "benchmarks pass"},
    }).encode()
    timestamp = int(time.time())
    mac = hmac.new(HMAC_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    request = urllib.request.Request(
        gateway + "/webhooks/inbound",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Aion-Caller": "ops-console",
            "X-Aion-Signature": f"t={timestamp},v1={mac.hexdigest()}",
            "X-Api-Key": API_KEY,
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
        command_id = json.loads(response.read())["command_id"]

    consumer.assign([TopicPartition(AUDIT_TOPIC, p, o) for p, o in start.items()])
    client = SchemaRegistryClient({"url": registry_url})
    deserializer = AvroDeserializer(client)
    found = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not found:
        message = consumer.poll(1.0)
        if message is None:
            continue
        assert message.error() is None, message.error()
        context = SerializationContext(AUDIT_TOPIC, MessageField.VALUE)
        decoded = deserializer(message.value(), context)
        if str(decoded["command_id"]) == command_id:
            found.append((message, decoded))
    consumer.close()

    assert len(found) == 1, "the audit event was not read back:\n" + log.read_text()
    message, event = found[0]
    assert message.key().decode() == "interop-ci"
    assert event["actor_id"] == "interop-ci"
    assert event["actor_type"] == "api_key"
    assert event["action"] == "approve_kernel_proposal"
    assert event["outcome"] == "accepted"
    assert event["producer"] == "gateway"
    assert event["target"]["id"] == "kp-2026-0147"
