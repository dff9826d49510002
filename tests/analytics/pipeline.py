"""Steps of the end-to-end analytics test: bootstrap the catalog for this run's accounts,
publish the scenario, write undecodable records raw, and run the Spark job."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

import scenario as scenario_module
from support import BINARY, ROOT, kafka_settings

DECISIONS = "aion.router.decisions"
LIFECYCLE = "aion.tasks.lifecycle"
ACCOUNTS = ["control-plane", "gateway", "webhook-dispatcher", "metrics", "spark"]
UNKNOWN_SCHEMA_ID = 2_147_480_000


@dataclass
class Run:
    """Everything the tests look at after the job's first run."""

    scenario: scenario_module.Scenario
    workdir: Path
    output: Path
    job_command: list[str]
    job_env: dict[str, str]
    first_log: str
    spark_account: str
    catalog: Path
    registry_url: str


def scratch_catalog(workdir: Path, run: str) -> tuple[Path, dict[str, str]]:
    """A copy of the catalog whose service accounts carry the run id (the shared broker
    keeps other runs' users); topics keep their catalog names. Returns the catalog and
    account -> renamed account."""
    for sub in ("bigdata/schemas", "schemas/events"):
        shutil.copytree(ROOT / sub, workdir / sub)
    renamed = {account: f"an-{run}-{account}" for account in ACCOUNTS}
    text = (ROOT / "bigdata/topics.yaml").read_text()
    for account, name in renamed.items():
        text = re.sub(rf"^  {re.escape(account)}:$", f"  {name}:", text, flags=re.M)
        text = re.sub(rf"(?<=[\[ ]){re.escape(account)}(?=[,\]])", name, text)
    for account in ACCOUNTS:
        assert f"  {renamed[account]}:" in text, account
    catalog = workdir / "bigdata/topics.yaml"
    catalog.write_text(text)
    return catalog, renamed


def bootstrap(catalog: Path, registry_url: str, passwords: dict[str, str]) -> None:
    """`aion-events bootstrap --env dev` with the given passwords."""
    env = {**os.environ, "AION_REGISTRY_URL": registry_url}
    for account, password in passwords.items():
        env[f"AION_SA_{account.upper().replace('-', '_')}_PASSWORD"] = password
    done = subprocess.run(
        [str(BINARY), "--catalog", str(catalog), "bootstrap", "--env", "dev"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def account_settings(username: str, password: str) -> dict[str, str]:
    """Confluent client settings for a service account."""
    return {**kafka_settings(), "sasl.username": username, "sasl.password": password}


def wait_until_readable(username: str, password: str, group: str) -> None:
    """Wait until the new account authenticates and may read both topics in its group:
    SCRAM users and ACLs become visible only eventually."""
    deadline = time.monotonic() + 90
    while True:
        consumer = Consumer({**account_settings(username, password), "group.id": group})
        try:
            partitions = [TopicPartition(t, 0) for t in (DECISIONS, LIFECYCLE)]
            consumer.committed(partitions, timeout=10)
            for partition in partitions:
                consumer.get_watermark_offsets(partition, timeout=10)
            return
        except KafkaException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
        finally:
            consumer.close()


def end_offsets() -> dict[str, dict[str, int]]:
    """The current end of every partition of both topics, as Spark's startingOffsets."""
    consumer = Consumer({**kafka_settings(), "group.id": "analytics-offsets"})
    try:
        metadata = consumer.list_topics(timeout=30)
        offsets: dict[str, dict[str, int]] = {}
        for topic in (DECISIONS, LIFECYCLE):
            offsets[topic] = {}
            for partition in metadata.topics[topic].partitions:
                _, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=30
                )
                offsets[topic][str(partition)] = high
        return offsets
    finally:
        consumer.close()


def publish(catalog: Path, registry_url: str, topic: str, events: list[dict], workdir: Path):
    """`aion-events publish` of JSON events (all or nothing)."""
    source = workdir / f"{topic}.jsonl"
    source.write_text("".join(json.dumps(event) + "\n" for event in events))
    done = subprocess.run(
        [str(BINARY), "--catalog", str(catalog), "publish", "--topic", topic, str(source)],
        env={**os.environ, "AION_REGISTRY_URL": registry_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"sent {len(events)}, rejected 0, failed 0" in done.stdout, done.stdout


def latest_schema_id(registry_url: str, topic: str) -> int:
    """The id of the latest schema of the topic's value subject."""
    url = f"{registry_url}/subjects/{topic}-value/versions/latest"
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(json.loads(response.read())["id"])


def write_raw(run: str, lifecycle_id: int) -> dict[str, str]:
    """Undecodable records, written raw as the administrator; key -> expected reason."""
    producer = Producer(kafka_settings())
    bad = {
        (DECISIONS, f"q-{run}-unknown"): (
            b"\x00" + UNKNOWN_SCHEMA_ID.to_bytes(4, "big") + b"\x02",
            f"unknown schema id {UNKNOWN_SCHEMA_ID}",
        ),
        (DECISIONS, f"q-{run}-magic"): (b"\x01\x00\x00\x00\x01body", "bad magic byte 1"),
        (LIFECYCLE, f"q-{run}-corrupt"): (
            b"\x00" + lifecycle_id.to_bytes(4, "big") + b"\x07",
            f"corrupt body for schema id {lifecycle_id}",
        ),
    }
    for (topic, key), (value, _) in bad.items():
        producer.produce(topic, key=key.encode(), value=value)
    assert producer.flush(30) == 0
    return {key: reason for (_, key), (_, reason) in bad.items()}


def run_job(command: list[str], env: dict[str, str]) -> str:
    """Run the job once to completion; its log, or a failure with it."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-8000:]
    return log


def prepare(workdir: Path, registry_url: str) -> Run:
    """Bootstrap, publish, write bad records and run the job once."""
    scenario = scenario_module.build()
    catalog, accounts = scratch_catalog(workdir, scenario.run)
    passwords = {name: secrets.token_hex(16) for name in accounts.values()}
    bootstrap(catalog, registry_url, passwords)

    spark = accounts["spark"]
    wait_until_readable(spark, passwords[spark], f"spark-kafka-source-probe-{scenario.run}")
    starting = end_offsets()

    publish(catalog, registry_url, DECISIONS, scenario.decisions, workdir)
    publish(catalog, registry_url, LIFECYCLE, scenario.lifecycle, workdir)
    scenario.quarantined = write_raw(scenario.run, latest_schema_id(registry_url, LIFECYCLE))

    output = workdir / "output"
    command = [
        sys.executable,
        "-m",
        "aion_analytics.job",
        "--username",
        spark,
        "--registry-url",
        registry_url,
        "--output",
        str(output),
        "--checkpoints",
        str(workdir / "checkpoints"),
        "--starting-offsets",
        json.dumps(starting),
    ]
    env = {
        **os.environ,
        "AION_SPARK_KAFKA_PASSWORD": passwords[spark],
        "PYTHONPATH": str(ROOT / "bigdata/spark"),
        # Spark's driver and block manager listen on loopback only.
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    log = run_job(command, env)
    return Run(scenario, workdir, output, command, env, log, spark, catalog, registry_url)
