"""Writer schemas by id from a Confluent-compatible schema registry, cached per process.

Only a 404 means "unknown schema id" (the record goes to quarantine); any other failure
to reach the registry raises, so a micro-batch fails and is retried rather than good
records being quarantined while the registry is down."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any


class RegistryUnavailable(RuntimeError):
    """The registry could not answer a schema look-up (network error or 5xx)."""


class NotAvro(ValueError):
    """The id names a schema of another type (JSON Schema, Protobuf)."""


_SHARED: dict[tuple[str, str | None], SchemaLookup] = {}


def shared(url: str, basic_auth: str | None = None) -> SchemaLookup:
    """The lookup of this Python worker process for one registry: Spark reuses a worker
    for many tasks, and each id is fetched once per worker, not once per task."""
    key = (url, basic_auth)
    if key not in _SHARED:
        _SHARED[key] = SchemaLookup(url, basic_auth)
    return _SHARED[key]


class SchemaLookup:
    """Fetches `GET /schemas/ids/{id}` and keeps each answer (schema, "unknown", or "not
    Avro")."""

    def __init__(self, url: str, basic_auth: str | None = None, timeout: float = 10.0) -> None:
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._headers = {"Accept": "application/vnd.schemaregistry.v1+json"}
        if basic_auth:
            token = base64.b64encode(basic_auth.encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._cache: dict[int, dict[str, Any] | str | None] = {}

    def __repr__(self) -> str:
        # The credentials in the headers stay out of any log or traceback.
        return f"SchemaLookup(url={self._url!r})"

    def writer_schema(self, schema_id: int) -> dict[str, Any] | None:
        """The parsed Avro schema registered under `schema_id`, or None when the registry
        does not know the id."""
        if schema_id in self._cache:
            cached = self._cache[schema_id]
            if isinstance(cached, str):
                raise NotAvro(cached)
            return cached

        request = urllib.request.Request(
            f"{self._url}/schemas/ids/{schema_id}", headers=self._headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                self._cache[schema_id] = None
                return None
            raise RegistryUnavailable(
                f"schema id {schema_id}: registry {self._url} answered {error.code}"
            ) from None
        except OSError as error:
            raise RegistryUnavailable(
                f"schema id {schema_id}: registry {self._url} unreachable: {error}"
            ) from None

        if body.get("schemaType", "AVRO") != "AVRO":
            reason = f"schema id {schema_id} is a {body['schemaType']} schema, not Avro"
            self._cache[schema_id] = reason
            raise NotAvro(reason)

        schema = json.loads(body["schema"])
        self._cache[schema_id] = schema
        return schema
