"""Regenerate the README screenshots with Playwright and Debian chromium (not a test).

    .venv/bin/python tests/browser/take_screenshots.py [output folder, default docs/screenshots]

Writes chapter.png (the G:033 page) and contents.png, both 1280x900, light colour scheme, and
host-from-decision.png: the H:205 page a reader reaches by following the explorer's "blocked" decision
to the kernel lines it models (interrupt_pending(), marked).
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
                host_from_decision(page, base, out / "host-from-decision.png")
                browser.close()
        finally:
            server.shutdown()


def host_from_decision(page, base: str, path: Path) -> None:
    """G:033 with irq 0 pending but blocked: the Host's decision cites interrupt_pending(); follow it."""
    page.goto(base + "/chapters/G-033?scenario=g033-restore-fl-pending&actions=set%20host.irqs_pending%201%3Bhost_check")
    page.locator('#mx-events .mx-decision a.mx-cite[href*="H-205"]').first.click()
    page.wait_for_url("**/chapters/H-205?hl=*")
    page.evaluate("document.getElementById('L160').scrollIntoView()")
    page.screenshot(path=str(path))
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
