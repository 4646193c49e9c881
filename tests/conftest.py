"""Fixtures every folder shares, defined once: `make_app(**settings)` (an app over the bundled content that
shares one build cache and has its own SQLite submissions store), `app` (one per test, with the test
instructor token) and `client`. A folder's conftest adds what only it needs.
"""

from __future__ import annotations

import pytest

from journey_app.web import create_app
from tests.support import INSTRUCTOR_TOKEN


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture(scope="session")
def make_app(cache_dir, tmp_path_factory):
    """make_app(**settings) -> a Flask app with those Settings overrides (datasette's make_app_client)."""
    def make(**overrides):
        store = tmp_path_factory.mktemp("store") / "store.sqlite3"
        app = create_app({"cache_dir": cache_dir, "database_url": f"sqlite:///{store}", **overrides})
        app.testing = True
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app(instructor_token=INSTRUCTOR_TOKEN)


@pytest.fixture
def client(app):
    return app.test_client()
