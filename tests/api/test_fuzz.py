"""Schemathesis, in-process (no server, no sockets): every documented operation with generated input,
valid and invalid. The server must never answer 5xx, and every answer must match the document.

One default check is left out: positive_data_acceptance ("schema-valid input gets 2xx"). A schema cannot
say which strings are valid action lists or existing scenario files, so "step 0x" or {"scenario": "0"}
is schema-valid yet rightly answered 400/404 (both documented).
"""

from __future__ import annotations

import tempfile

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from journey_app.web import create_app  # noqa: E402


def _app():
    # A small instruction budget keeps generated `run_until` actions quick.
    return create_app({"cache_dir": tempfile.mkdtemp(prefix="journey-fuzz-"), "insn_budget": 2000, "max_actions": 200})


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails(case):
    # Schemathesis' in-process transport does not decode Content-Encoding: ask for the body as it is.
    case.call_and_validate(excluded_checks=[positive_data_acceptance], headers={"Accept-Encoding": "identity"})
