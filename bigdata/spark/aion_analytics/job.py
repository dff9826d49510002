"""The analytics job: reads the decisions and lifecycle topics as the Spark service account
and keeps six file outputs up to date, each with its own checkpoint so that a restarted
job continues where it stopped and writes nothing twice.

    output/events/decisions/date=…          decoded router decisions
    output/events/lifecycle/date=…          decoded lifecycle transitions
    output/quarantine/<topic>/date=…        records that did not decode, with the reason
    output/aggregates/decisions_per_minute/ decisions per minute, privacy tier and route
    output/aggregates/task_outcomes/        outcome and durations of every finished task

Run: python -m aion_analytics.job --output DIR --checkpoints DIR (see --help)."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from aion_analytics import settings as settings_module
from aion_analytics import streams
from aion_analytics.settings import Settings

DECISIONS = "aion.router.decisions"
LIFECYCLE = "aion.tasks.lifecycle"

#: Connector jars that the set-up resolves into the jar folder; Spark's own jars ship
#: with pyspark.
REQUIRED_JARS = (
    "spark-sql-kafka-0-10_2.13-",
    "spark-token-provider-kafka-0-10_2.13-",
    "kafka-clients-",
    "commons-pool2-",
)

log = logging.getLogger("aion_analytics")


class MissingJars(RuntimeError):
    """The jar folder lacks a connector jar; run scripts/setup-python.sh."""


@dataclass(frozen=True)
class Output:
    """One streaming output: its name (also its checkpoint folder) and the frame."""

    name: str
    path: str
    frame: DataFrame
    mode: str = "append"


def jar_paths(settings: Settings) -> list[str]:
    """The local connector jars, checked to be all there."""
    jars = sorted(settings.jars.glob("*.jar")) if settings.jars.is_dir() else []
    for prefix in REQUIRED_JARS:
        if not any(jar.name.startswith(prefix) for jar in jars):
            raise MissingJars(f"no {prefix}*.jar in {settings.jars}: run scripts/setup-python.sh")
    return [str(jar) for jar in jars]


def session(settings: Settings) -> SparkSession:
    """A Spark session with the connector jars from the local folder (nothing fetched).
    Python workers run this interpreter unless PYSPARK_PYTHON says otherwise, so they
    have the job's packages (fastavro, pandas)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.appName("aion-analytics")
        .config("spark.jars", ",".join(jar_paths(settings)))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.streaming.stateStore.stateSchemaCheck", "true")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def source(spark: SparkSession, settings: Settings, topic: str) -> DataFrame:
    """The Kafka source of one topic as the configured account."""
    return (
        spark.readStream.format("kafka")
        .options(**settings.kafka_options(topic))
        .option("subscribe", topic)
        .load()
    )


def outputs(spark: SparkSession, settings: Settings) -> list[Output]:
    """Every output of the job. Each started query gets a Kafka source of its own (and so
    its own consumer group under the account's `spark-kafka-source-` prefix)."""
    url, auth = settings.registry_url, settings.registry_basic_auth
    base = settings.output

    def rows(topic: str) -> DataFrame:
        return streams.decoded(source(spark, settings, topic), topic, url, auth)

    decisions = streams.events(rows(DECISIONS), DECISIONS)
    lifecycle = streams.events(rows(LIFECYCLE), LIFECYCLE)
    return [
        Output("decisions", f"{base}/events/decisions", decisions),
        Output("lifecycle", f"{base}/events/lifecycle", lifecycle),
        Output(
            "quarantine-decisions",
            f"{base}/quarantine/{DECISIONS}",
            streams.quarantine(rows(DECISIONS)),
        ),
        Output(
            "quarantine-lifecycle",
            f"{base}/quarantine/{LIFECYCLE}",
            streams.quarantine(rows(LIFECYCLE)),
        ),
        Output(
            "decisions-per-minute",
            f"{base}/aggregates/decisions_per_minute",
            streams.decisions_per_minute(decisions, settings.watermark),
        ),
        Output(
            "task-outcomes",
            f"{base}/aggregates/task_outcomes",
            streams.task_outcomes(lifecycle, settings.watermark, settings.max_task_lifetime),
        ),
    ]


def start(settings: Settings, output: Output) -> StreamingQuery:
    """Start one output as a Parquet file sink, partitioned by date."""
    writer = (
        output.frame.writeStream.format("parquet")
        .queryName(output.name)
        .outputMode(output.mode)
        .option("path", output.path)
        .option("checkpointLocation", str(settings.checkpoints / output.name))
        .partitionBy("date")
    )
    if settings.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=settings.processing_interval)
    return writer.start()


def run(settings: Settings) -> None:
    """Run every output until caught up (available-now) or until stopped (continuous).
    Any failed output fails the run, after the others have been stopped."""
    spark = session(settings)
    spark.sparkContext.setLogLevel("WARN")
    log.info("starting with %s", settings)

    queries = [start(settings, output) for output in outputs(spark, settings)]
    try:
        if settings.available_now:
            # Each output stops once caught up; a failed one raises here.
            for query in queries:
                query.awaitTermination()
        else:
            # A continuous run lasts as long as every output does: the first to end (a
            # failure raises here) stops the others below, never leaving them half a job.
            spark.streams.awaitAnyTermination()
    finally:
        for query in queries:
            if query.isActive:
                query.stop()
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = settings_module.parse(argv)
    try:
        run(settings)
    except MissingJars as error:
        log.error("%s", error)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
