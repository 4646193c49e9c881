"""Browser tests of the read-only pages: the app with the bundled content, a 1280×900 window."""

from __future__ import annotations

import pytest

from journey_app.web import create_app


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, served):
    with served(create_app({"cache_dir": tmp_path_factory.mktemp("cache")})) as url:
        yield url
