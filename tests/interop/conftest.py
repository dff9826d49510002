"""Fixtures shared by the interoperability tests: a schema registry started from the
`aion-events` binary on a schemas topic of its own, against the development broker."""

import os
import subprocess
import uuid

import pytest

from support import BINARY, free_port, wait_for


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory):
    if not os.environ.get("AION_KAFKA_BOOTSTRAP"):
        pytest.fail('AION_KAFKA_* is not set: run eval "$(scripts/kafka.sh env)" first')
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run cargo build --bin aion-events first")

    port = free_port()
    config = tmp_path_factory.mktemp("registry") / "registry.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\n"
        f"store:\n  topic: _schemas-interop-{uuid.uuid4().hex[:12]}\n"
    )
    log = tmp_path_factory.mktemp("registry-log") / "registry.log"
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
