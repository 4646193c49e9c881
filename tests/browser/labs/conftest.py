"""Browser tests of lab mode and the instructor pages: the app with its own build cache, submissions store
and instructor token. Regenerate docs/screenshots/lab.png with

    JOURNEY_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser/labs
"""

from __future__ import annotations

import pytest

from journey_app.web import create_app

TOKEN = "browser-class-token"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "reduced_motion": "reduce",
            "accept_downloads": True}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, served):
    cache = tmp_path_factory.mktemp("labs-browser")
    app = create_app({"cache_dir": cache, "database_url": f"sqlite:///{cache / 'store.sqlite3'}",
                      "instructor_token": TOKEN})
    with served(app) as url:
        yield url
