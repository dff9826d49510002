"""Fixtures of the analytics tests: the catalog bootstrapped on the development broker for
accounts of this run, a registry from the `aion-events` binary, the scenario's events
published with `aion-events publish`, and the Spark job run over them.

Shared helpers come from tests/interop/support.py; the Spark job's package from
bigdata/spark."""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for extra in (ROOT / "tests/interop", ROOT / "bigdata/spark", HERE):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import pytest  # noqa: E402

import pipeline  # noqa: E402
from support import running_registry  # noqa: E402


@pytest.fixture(scope="session")
def registry_url(tmp_path_factory):
    """A registry of this session's own, on a schemas topic of its own."""
    with running_registry(tmp_path_factory.mktemp("registry"), "_schemas-analytics") as url:
        yield url


@pytest.fixture(scope="session")
def run(tmp_path_factory, registry_url) -> pipeline.Run:
    """The scenario published, bad records written raw, and the job run once."""
    workdir = tmp_path_factory.mktemp("analytics")
    return pipeline.prepare(workdir, registry_url)
