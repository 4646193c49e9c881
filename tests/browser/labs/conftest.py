"""Browser tests of lab mode and the instructor pages: the app with its own build cache, submissions store
and instructor token. Regenerate docs/screenshots/lab.png with

    JOURNEY_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser/labs
"""

from __future__ import annotations

import pytest

TOKEN = "browser-class-token"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "reduced_motion": "reduce",
            "accept_downloads": True}


@pytest.fixture(scope="session")
def live_server(serve_app):
    with serve_app("labs-browser", instructor_token=TOKEN) as url:
        yield url
