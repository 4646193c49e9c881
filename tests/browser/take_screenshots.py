"""Regenerate the README screenshots with Playwright and Debian chromium (not a test).

    .venv/bin/python tests/browser/take_screenshots.py [output folder, default docs/screenshots]

Writes chapter.png (the G:033 page) and contents.png, both 1280x900, light colour scheme.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from journey_app.web import create_app  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402

SHOTS = {"chapter.png": "/chapters/G-033", "contents.png": "/"}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    executable = chromium_path()
    if executable is None:
        sys.exit("Debian chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as cache:
        server = make_server("127.0.0.1", 0, create_app({"cache_dir": Path(cache)}), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
                for name, path in SHOTS.items():
                    page.goto(base + path)
                    page.screenshot(path=str(out / name))
                    print(out / name)
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
