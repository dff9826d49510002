"""What the job needs to run: Kafka and registry settings, output and checkpoint folders,
the connector jars, and how far event time may lag. Read from the command line and the
environment; the Kafka password only ever comes from the environment."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
from dataclasses import dataclass, field

DEFAULT_JARS = pathlib.Path.home() / ".cache/aion-events/spark-jars"
PASSWORD_VARIABLE = "AION_SPARK_KAFKA_PASSWORD"


@dataclass(frozen=True)
class Settings:
    """Everything the job reads; `repr` leaves the password out."""

    bootstrap_servers: str
    username: str
    password: str = field(repr=False)
    registry_url: str
    registry_basic_auth: str | None = field(repr=False)
    output: pathlib.Path
    checkpoints: pathlib.Path
    jars: pathlib.Path
    security_protocol: str = "SASL_PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    starting_offsets: str = "earliest"
    fail_on_data_loss: bool = True
    watermark: str = "10 minutes"
    max_task_lifetime: str = "1 day"
    available_now: bool = True
    processing_interval: str = "1 minute"

    def kafka_options(self, topic: str) -> dict[str, str]:
        """Options of Spark's Kafka source of `topic` for this account (SCRAM over SASL).
        Per-partition starting offsets are narrowed to the topic: Spark wants exactly the
        subscribed partitions."""
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{self.username}" password="{self.password}";'
        )
        return {
            "kafka.bootstrap.servers": self.bootstrap_servers,
            "kafka.security.protocol": self.security_protocol,
            "kafka.sasl.mechanism": self.sasl_mechanism,
            "kafka.sasl.jaas.config": jaas,
            "startingOffsets": starting_offsets_of(self.starting_offsets, topic),
            "failOnDataLoss": str(self.fail_on_data_loss).lower(),
        }


def starting_offsets_of(starting: str, topic: str) -> str:
    """`earliest`/`latest` as they are; Spark's JSON form reduced to one topic."""
    if not starting.lstrip().startswith("{"):
        return starting
    try:
        offsets = json.loads(starting)
    except json.JSONDecodeError as error:
        raise ValueError(f"--starting-offsets is not JSON: {error}") from None
    if topic not in offsets:
        return "earliest"
    return json.dumps({topic: offsets[topic]})


def parse(argv: list[str] | None = None) -> Settings:
    """Settings from `argv` (defaults to the command line) and the environment."""
    parser = argparse.ArgumentParser(
        prog="aion-analytics",
        description="Structured Streaming over aion.router.decisions and aion.tasks.lifecycle",
    )
    env = os.environ.get
    parser.add_argument("--bootstrap-servers", default=env("AION_KAFKA_BOOTSTRAP"))
    parser.add_argument("--username", default=env("AION_SPARK_KAFKA_USERNAME", "spark"))
    parser.add_argument("--security-protocol", default="SASL_PLAINTEXT")
    parser.add_argument("--sasl-mechanism", default="SCRAM-SHA-512")
    parser.add_argument("--registry-url", default=env("AION_REGISTRY_URL"))
    parser.add_argument("--output", type=pathlib.Path, required=True)
    parser.add_argument("--checkpoints", type=pathlib.Path, required=True)
    parser.add_argument("--jars", type=pathlib.Path, default=env("AION_SPARK_JARS", DEFAULT_JARS))
    parser.add_argument(
        "--starting-offsets",
        default="earliest",
        help="earliest, latest or Spark's per-partition JSON; only for a new checkpoint",
    )
    parser.add_argument("--allow-data-loss", action="store_true")
    parser.add_argument("--watermark", default="10 minutes")
    parser.add_argument("--max-task-lifetime", default="1 day")
    parser.add_argument(
        "--continuous",
        action="store_true",
        help="keep running with a processing-time trigger instead of stopping when caught up",
    )
    parser.add_argument("--interval", default="1 minute")
    args = parser.parse_args(argv)

    password = os.environ.get(PASSWORD_VARIABLE)
    if not args.bootstrap_servers:
        parser.error("--bootstrap-servers (or AION_KAFKA_BOOTSTRAP) is required")
    if not args.registry_url:
        parser.error("--registry-url (or AION_REGISTRY_URL) is required")
    if not password:
        parser.error(f"{PASSWORD_VARIABLE} must hold the Kafka password")

    return Settings(
        bootstrap_servers=args.bootstrap_servers,
        username=args.username,
        password=password,
        registry_url=args.registry_url,
        registry_basic_auth=os.environ.get("AION_REGISTRY_BASIC_AUTH"),
        output=args.output,
        checkpoints=args.checkpoints,
        jars=pathlib.Path(args.jars),
        security_protocol=args.security_protocol,
        sasl_mechanism=args.sasl_mechanism,
        starting_offsets=args.starting_offsets,
        fail_on_data_loss=not args.allow_data_loss,
        watermark=args.watermark,
        max_task_lifetime=args.max_task_lifetime,
        available_now=not args.continuous,
        processing_interval=args.interval,
    )
