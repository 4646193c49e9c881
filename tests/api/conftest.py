"""Fixtures for the JSON API: the OpenAPI document the app serves (apps and clients: tests/conftest.py)."""

from __future__ import annotations

from tests.support.errors import assert_error  # noqa: F401  (re-exported to the tests here)

import pytest



@pytest.fixture(scope="session")
def spec(make_app):
    return make_app().test_client().get("/api/openapi.json").get_json()


