"""The content-root factory of tests/journey, shared here (the index is built from such a root)."""

from __future__ import annotations

from tests.journey.conftest import make_root  # noqa: F401  (a fixture, re-exported)
