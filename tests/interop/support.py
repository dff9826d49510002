"""What the Python test suites share: where the repository and the `aion-events` binary
are, the Kafka settings of the development broker, starting a service from the binary and
waiting for it to answer, and a registry of its own for a test."""

import contextlib
import os
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The binary cargo built: AION_EVENTS_BIN, else under CARGO_TARGET_DIR when cargo was told to
# build elsewhere, else the workspace's own target folder.
BINARY = pathlib.Path(
    os.environ.get("AION_EVENTS_BIN")
    or pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "debug/aion-events"
)


def kafka_settings():
    """Confluent client settings for the broker that `scripts/kafka.sh env` describes."""
    return {
        "bootstrap.servers": os.environ["AION_KAFKA_BOOTSTRAP"],
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": os.environ.get("AION_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "sasl.username": os.environ["AION_KAFKA_USERNAME"],
        "sasl.password": os.environ["AION_KAFKA_PASSWORD"],
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, process, log, what):
    """Wait until `url` answers (any HTTP status), failing with the log if `process` dies
    or a minute passes."""
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start:\n" + log.read_text())
            time.sleep(0.1)


@contextlib.contextmanager
def running_registry(workdir, topic_prefix="_schemas-interop"):
    """A schema registry started from the binary on a schemas topic of its own, in
    `workdir`; yields its URL and stops it on the way out."""
    if not os.environ.get("AION_KAFKA_BOOTSTRAP"):
        pytest.fail('AION_KAFKA_* is not set: run eval "$(scripts/kafka.sh env)" first')
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run cargo build --bin aion-events first")

    workdir = pathlib.Path(workdir)
    port = free_port()
    config = workdir / "registry.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\nstore:\n  topic: {topic_prefix}-{uuid.uuid4().hex[:12]}\n"
    )
    log = workdir / "registry.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(BINARY), "registry", "run", "--config", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/", process, log, "the registry")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
