"""Browser tests of lab mode and the instructor pages: Playwright driving Debian's chromium (never
`playwright install`) against the app served on 127.0.0.1 at a free port, in a thread, once per session,
with its own build cache and submissions store.

They skip, saying why, only when chromium or Playwright is absent (apt-get install -y chromium;
pip install playwright pytest-playwright). docs/screenshots/lab.png is taken here.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="Playwright is not installed: pip install playwright pytest-playwright")

from werkzeug.serving import make_server  # noqa: E402

from journey_app.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
TOKEN = "browser-class-token"
CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    # Any hostname lookup fails: only the live server on 127.0.0.1 is reachable.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium_path() -> str | None:
    for candidate in CHROMIUM:   # the real binary first; /usr/bin/chromium is a wrapper script
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
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}, "reduced_motion": "reduce",
            "accept_downloads": True}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    cache = tmp_path_factory.mktemp("labs-browser")
    app = create_app({"cache_dir": cache, "database_url": f"sqlite:///{cache / 'store.sqlite3'}",
                      "instructor_token": TOKEN})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
