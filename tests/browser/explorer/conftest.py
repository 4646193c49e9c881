"""Browser tests of the live explorer: the app with the bundled content in a 1600×1000 window, motion
reduced. Regenerate the README's explorer screenshots with

    JOURNEY_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/browser/explorer -k screenshots
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "reduced_motion": "reduce"}


@pytest.fixture(scope="session")
def live_server(serve_app):
    # A loaded CI machine must not stop a 6-instruction run at the site's 0.75 s wall clock: these tests are
    # about the page (the budget itself is tested in tests/runs and tests/security).
    with serve_app("explorer-cache", run_seconds=5) as url:
        yield url
