"""The Avro mirrors of the catalog as the job reads them: the reader schema of each topic,
and the Spark type that a decoded record of that schema has.

Logical types are stripped before parsing: a `timestamp-micros` stays a long (turned into a
Spark timestamp after the JSON step) and a `uuid` stays a string, so the decoded record
serialises to JSON without loss."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from pyspark.sql import types as T

ROOT = pathlib.Path(__file__).resolve().parents[3]

#: Catalog topic -> Avro mirror that is the job's reader schema for it.
TOPIC_SCHEMAS: dict[str, str] = {
    "aion.router.decisions": "bigdata/schemas/router_decision.avsc",
    "aion.tasks.lifecycle": "bigdata/schemas/tasks_lifecycle.avsc",
}


def strip_logical_types(schema: Any) -> Any:
    """A copy of a parsed Avro schema without `logicalType` annotations."""
    if isinstance(schema, dict):
        return {k: strip_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [strip_logical_types(item) for item in schema]
    return schema


def load_reader_schema(topic: str, root: pathlib.Path = ROOT) -> dict[str, Any]:
    """The reader schema of a catalog topic, from its committed Avro mirror."""
    return json.loads((root / TOPIC_SCHEMAS[topic]).read_text())


def timestamp_fields(schema: dict[str, Any]) -> list[str]:
    """Top-level fields of a record schema that are `timestamp-micros` longs."""
    return [
        field["name"]
        for field in schema["fields"]
        if isinstance(field["type"], dict)
        and field["type"].get("logicalType") == "timestamp-micros"
    ]


def spark_type(
    schema: Any, named: dict[str, T.DataType] | None = None, namespace: str = ""
) -> T.DataType:
    """The Spark type of values of an Avro schema (enums as strings, nullable unions as
    their non-null branch, named types resolved by full or short name; a named type
    inherits the namespace of the one it is declared in)."""
    named = {} if named is None else named
    if isinstance(schema, str):
        primitive = {
            "string": T.StringType(),
            "long": T.LongType(),
            "int": T.IntegerType(),
            "double": T.DoubleType(),
            "float": T.FloatType(),
            "boolean": T.BooleanType(),
            "bytes": T.BinaryType(),
        }
        if schema in primitive:
            return primitive[schema]
        return named[schema]

    if isinstance(schema, list):
        branches = [branch for branch in schema if branch != "null"]
        if len(branches) != 1:
            raise ValueError(f"unions other than [null, T] are not supported: {schema}")
        return spark_type(branches[0], named, namespace)

    kind = schema["type"]
    namespace = schema.get("namespace", namespace)
    if kind == "record":
        fields = [
            T.StructField(
                f["name"], spark_type(f["type"], named, namespace), nullable=_nullable(f["type"])
            )
            for f in schema["fields"]
        ]
        result: T.DataType = T.StructType(fields)
    elif kind == "enum":
        result = T.StringType()
    elif kind == "array":
        return T.ArrayType(spark_type(schema["items"], named, namespace))
    elif kind == "map":
        return T.MapType(T.StringType(), spark_type(schema["values"], named, namespace))
    else:
        return spark_type(kind, named, namespace)

    name = schema["name"]
    named[name] = result
    if namespace and "." not in name:
        named[f"{namespace}.{name}"] = result
    return result


def _nullable(schema: Any) -> bool:
    return isinstance(schema, list) and "null" in schema
