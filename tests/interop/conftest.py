"""Fixtures shared by the interoperability tests: a schema registry started from the
`aion-events` binary on a schemas topic of its own, against the development broker."""

import pytest

from support import running_registry


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory):
    with running_registry(tmp_path_factory.mktemp("registry")) as url:
        yield url
