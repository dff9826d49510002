"""What the interoperability tests share: where the repository and the `aion-events`
binary are, the Kafka settings of the development broker, and starting a service from
the binary and waiting for it to answer."""

import os
import pathlib
import socket
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("AION_EVENTS_BIN", ROOT / "target/debug/aion-events"))


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
