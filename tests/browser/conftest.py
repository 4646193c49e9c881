"""Playwright against Debian's chromium (never `playwright install`), and a live server of the app.

Browser tests skip, with the reason, only when chromium or Playwright is not installed:
`apt-get install -y chromium` and `pip install playwright pytest-playwright`.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="Playwright is not installed: pip install playwright pytest-playwright")

from werkzeug.serving import make_server  # noqa: E402

from journey_app.web import create_app  # noqa: E402

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    # Belt and braces: every hostname lookup fails, so only the live server on 127.0.0.1 is reachable.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium_path() -> str | None:
    """The real binary first: /usr/bin/chromium is a wrapper script that adds flags of its own."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian chromium is not installed: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on 127.0.0.1 at a free port, in a thread, for the whole session."""
    app = create_app({"cache_dir": tmp_path_factory.mktemp("cache")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def pytest_configure(config):
    # pytest-playwright's own `base_url` fixture trips this pytest 9 deprecation (not our code).
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
    )
