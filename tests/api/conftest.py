"""Fixtures for the JSON API: an app per settings, its test client, and the OpenAPI document it serves."""

from __future__ import annotations

from tests.support.errors import assert_error  # noqa: F401  (re-exported to the tests here)

import pytest

from journey_app.web import create_app


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("api-cache")


@pytest.fixture(scope="session")
def make_app(cache_dir):
    """make_app(**settings) -> a Flask app built with those Settings overrides (datasette's make_app_client).

    The build cache is shared (speed); the database, which holds the rate-limit counters, is each app's own."""
    apps = iter(range(1_000_000))

    def make(**overrides):
        database = f"sqlite:///{cache_dir / f'app-{next(apps)}.sqlite3'}"
        app = create_app({"cache_dir": cache_dir, "database_url": database, **overrides})
        app.testing = True
        return app
    return make


@pytest.fixture(scope="session")
def app(make_app):
    return make_app()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


