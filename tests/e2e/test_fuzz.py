"""Schemathesis against the real server's OpenAPI schema: whatever the schema allows (and
what it does not), no request gets a 5xx. Bounded for CI (25 examples an operation); CCHC_FUZZ_EXAMPLES=500 runs longer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from ..conftest import ADMIN_KEY, admin_server

EXAMPLES = int(os.environ.get("CCHC_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def fuzz_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    with admin_server(sample_index, tmp_path_factory.mktemp("fuzz")) as base:
        yield base


def test_no_request_gets_a_server_error(fuzz_server):
    # Driven through schemathesis' Python API: its pytest plugin does not run under pytest 9.
    api = schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json")
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}  # admin endpoints: reach validation, not just 401
    operations = [op.ok() for op in api.get_all_operations()]
    assert len(operations) >= 10
    tried: dict[str, int] = {}
    def fuzz_one(operation, label: str) -> None:
        @given(operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case) -> None:
            tried[label] = tried.get(label, 0) + 1
            case.call_and_validate(headers=admin, checks=[not_a_server_error], timeout=60)

        fuzz()

    for operation in operations:
        fuzz_one(operation, f"{operation.method.upper()} {operation.path}")
    assert len(tried) == len(operations), tried
