"""Shared browser-test setup: Playwright driving Debian's chromium (never `playwright install`), and a way
to serve an app on 127.0.0.1 at a free port in a thread. Each subfolder's conftest starts its own app
(`serve_app`: a fresh build cache and SQLite store, plus that folder's settings).

Browser tests skip, saying why, only when chromium or Playwright is absent
(`apt-get install -y chromium`; `pip install playwright pytest-playwright`). Screenshots go to a temporary
folder; `JOURNEY_SCREENSHOTS=docs/screenshots` regenerates the README's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="Playwright is not installed: pip install playwright pytest-playwright")

from werkzeug.serving import make_server

from journey_app.web import create_app

ROOT = Path(__file__).resolve().parents[2]
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


@contextlib.contextmanager
def _served(app):
    """Serve `app` on 127.0.0.1 at a free port in a thread; yields its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def served():
    """`with served(app) as url:` — what each folder's `live_server` fixture is made of."""
    return _served


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory, served):
    """`with serve_app("labs", instructor_token=TOKEN) as url:` — the app with the bundled content, its own
    build cache and SQLite submissions store in a fresh folder, and any other settings given, served."""

    @contextlib.contextmanager
    def serve(name: str, **settings):
        cache = tmp_path_factory.mktemp(name)
        app = create_app({"cache_dir": cache, "database_url": f"sqlite:///{cache / 'store.sqlite3'}", **settings})
        with served(app) as url:
            yield url

    return serve


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian chromium is not installed: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    wanted = os.environ.get("JOURNEY_SCREENSHOTS")
    folder = (ROOT / wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_configure(config):
    # pytest-playwright's own `base_url` fixture trips this pytest 9 deprecation (not our code).
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
    )
