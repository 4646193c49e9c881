"""axe-core over every page type: the app with a submissions store and an instructor token.

axe.min.js is axe-core (MPL-2.0, from npm `axe-core`), vendored here so the check needs no network; it is
injected with CSP bypassed, as a browser extension would be. Refresh it with
`npm install axe-core && cp node_modules/axe-core/axe.min.js tests/browser/a11y/`.
"""

from __future__ import annotations

import pytest

TOKEN = "a11y-class-token"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "reduced_motion": "reduce",
            "bypass_csp": True}


@pytest.fixture(scope="session")
def live_server(serve_app):
    with serve_app("a11y", instructor_token=TOKEN) as url:
        yield url
