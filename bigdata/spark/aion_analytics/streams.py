"""The job's transformations, from Kafka records to its outputs: decoding with the
registry's writer schemas, the decoded events, the quarantine, decisions per minute, and
task outcomes from lifecycle transitions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from aion_analytics.schemas import load_reader_schema, spark_type, timestamp_fields

#: What the decoding step yields for every Kafka record, decoded or not.
DECODED = T.StructType(
    [
        T.StructField("topic", T.StringType()),
        T.StructField("partition", T.IntegerType()),
        T.StructField("offset", T.LongType()),
        T.StructField("kafka_timestamp", T.TimestampType()),
        T.StructField("key", T.StringType()),
        T.StructField("value", T.BinaryType()),
        T.StructField("schema_id", T.LongType()),
        T.StructField("payload", T.StringType()),
        T.StructField("reason", T.StringType()),
    ]
)

TERMINAL_STATES = ["succeeded", "failed", "cancelled", "timed_out"]


def decoder_function(
    topic: str, registry_url: str, basic_auth: str | None
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The `mapInPandas` function that decodes one topic's records on the executors."""
    reader = load_reader_schema(topic)

    def decode(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        # Imported here: this runs in the Python workers, which keep one schema cache per
        # worker process for every task they run.
        from aion_analytics.decode import Decoder
        from aion_analytics.registry import shared

        decoder = Decoder(reader, shared(registry_url, basic_auth))
        for batch in batches:
            outcomes = [decoder.decode(value) for value in batch["value"]]
            yield pd.DataFrame(
                {
                    "topic": batch["topic"],
                    "partition": batch["partition"],
                    "offset": batch["offset"],
                    "kafka_timestamp": batch["timestamp"],
                    "key": [_key(k) for k in batch["key"]],
                    "value": batch["value"],
                    "schema_id": pd.array([o.schema_id for o in outcomes], dtype="Int64"),
                    "payload": [o.payload for o in outcomes],
                    "reason": [o.reason for o in outcomes],
                }
            )

    return decode


def _key(raw: Any) -> str | None:
    if raw is None:
        return None
    return bytes(raw).decode("utf-8", errors="replace")


def decoded(records: DataFrame, topic: str, registry_url: str, auth: str | None) -> DataFrame:
    """Kafka source rows of one topic, decoded (or not) into the DECODED shape."""
    columns = records.select("topic", "partition", "offset", "timestamp", "key", "value")
    return columns.mapInPandas(decoder_function(topic, registry_url, auth), DECODED)


def events(rows: DataFrame, topic: str) -> DataFrame:
    """The decoded events of a topic with their Kafka position and a `date` partition."""
    reader = load_reader_schema(topic)
    record_type = spark_type(reader)
    if not isinstance(record_type, T.StructType):
        raise TypeError(f"the reader schema of {topic} is not a record")
    parsed = rows.where(F.col("reason").isNull()).select(
        F.from_json("payload", record_type).alias("event"),
        F.col("schema_id"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
    )
    flat = parsed.select("event.*", "schema_id", "kafka_partition", "kafka_offset")
    for name in timestamp_fields(reader):
        flat = flat.withColumn(name, F.timestamp_micros(F.col(name)))
    return flat.withColumn("date", F.to_date("occurred_at"))


def quarantine(rows: DataFrame) -> DataFrame:
    """Records that did not decode, kept whole with the reason."""
    return rows.where(F.col("reason").isNotNull()).select(
        "topic",
        "partition",
        "offset",
        "kafka_timestamp",
        "key",
        "value",
        "schema_id",
        "reason",
        F.to_date("kafka_timestamp").alias("date"),
    )


def decisions_per_minute(decisions: DataFrame, watermark: str) -> DataFrame:
    """Decisions per event-time minute, privacy tier and route; a minute is written once
    the watermark has passed it, and a replayed event (same event_id) counts once."""
    minute = F.window("occurred_at", "1 minute")
    counted = (
        decisions.withWatermark("occurred_at", watermark)
        .dropDuplicatesWithinWatermark(["event_id"])
        .groupBy(minute.alias("window"), "privacy_tier", F.col("selected.route").alias("route"))
        .agg(
            F.count(F.lit(1)).alias("decisions"),
            F.sum(F.when(F.col("fallback"), 1).otherwise(0)).alias("fallbacks"),
            F.avg("latency_ms").alias("avg_latency_ms"),
            F.max("latency_ms").alias("max_latency_ms"),
            F.avg("selected.score").alias("avg_score"),
        )
    )
    return counted.select(
        F.col("window.start").alias("minute"),
        "privacy_tier",
        "route",
        F.col("decisions").cast("long").alias("decisions"),
        F.col("fallbacks").cast("long").alias("fallbacks"),
        "avg_latency_ms",
        "max_latency_ms",
        "avg_score",
        F.to_date(F.col("window.start")).alias("date"),
    )


def task_outcomes(lifecycle: DataFrame, watermark: str, max_lifetime: str) -> DataFrame:
    """One row per terminal transition: the task's outcome, the time from its creation
    (the transition without a from_state) to the end, and the time it spent running.

    A stream-stream join: a task's creation and end may arrive in different micro-batches;
    the state is kept for `max_lifetime` past the watermark, then dropped. A replayed
    terminal event yields its row again; the ClickHouse table collapses it by task and
    attempt."""
    created = (
        lifecycle.where(F.col("from_state").isNull())
        .select(
            F.col("task_id").alias("created_task_id"),
            F.col("occurred_at").alias("created_at"),
        )
        .withWatermark("created_at", watermark)
    )
    ended = (
        lifecycle.where(F.col("to_state").isin(TERMINAL_STATES))
        .select(
            "event_id",
            "task_id",
            "tenant_id",
            F.col("to_state").alias("outcome"),
            F.col("from_state").alias("ended_from"),
            F.col("occurred_at").alias("ended_at"),
            "attempt",
            "route",
            "model",
            F.col("duration_ms").alias("last_state_ms"),
            F.col("error.code").alias("error_code"),
            F.col("error.category").alias("error_category"),
            F.col("error.retryable").alias("error_retryable"),
        )
        .withWatermark("ended_at", watermark)
    )
    window: Column = (F.col("ended_at") >= F.col("created_at")) & (
        F.col("ended_at") <= F.col("created_at") + F.expr(f"INTERVAL {max_lifetime}")
    )
    joined = ended.join(created, (F.col("task_id") == F.col("created_task_id")) & window)
    micros = F.unix_micros("ended_at") - F.unix_micros("created_at")
    return joined.select(
        "task_id",
        "tenant_id",
        "attempt",
        "outcome",
        "created_at",
        "ended_at",
        (micros / 1000.0).alias("duration_ms"),
        F.when(F.col("ended_from") == "running", F.col("last_state_ms")).alias("running_ms"),
        "route",
        "model",
        "error_code",
        "error_category",
        "error_retryable",
        "event_id",
        F.to_date("ended_at").alias("date"),
    )


def describe(frame: DataFrame) -> str:
    """The schema of an output as JSON, for the docs and for checks."""
    return json.dumps(json.loads(frame.schema.json()), indent=2)
