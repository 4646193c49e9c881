"""axe-core over every page type: the app with a submissions store and an instructor token.

axe.min.js is axe-core (MPL-2.0, from npm `axe-core`), vendored here so the check needs no network; it is
injected with CSP bypassed, as a browser extension would be. Refresh it with
`npm install axe-core && cp node_modules/axe-core/axe.min.js tests/browser/a11y/`.
"""

from __future__ import annotations

import pytest

from journey_app.web import create_app

TOKEN = "a11y-class-token"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "reduced_motion": "reduce",
            "bypass_csp": True}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, served):
    cache = tmp_path_factory.mktemp("a11y")
    app = create_app({"cache_dir": cache, "database_url": f"sqlite:///{cache / 'store.sqlite3'}",
                      "instructor_token": TOKEN})
    with served(app) as url:
        yield url
