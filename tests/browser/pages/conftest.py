"""Browser tests of the read-only pages: the app with the bundled content, a 1280×900 window."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_server(serve_app):
    with serve_app("cache") as url:
        yield url
