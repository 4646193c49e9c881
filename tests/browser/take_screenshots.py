"""Regenerate the README screenshots with Playwright and Debian chromium (not a test).

    .venv/bin/python tests/browser/take_screenshots.py [output folder, default docs/screenshots]

Writes chapter.png (the G:033 page) and contents.png at 1280x900, and the explorer: explorer.png (a
breakpoint hit in G:033 at 1440x900), explorer-whatif.png (a what-if comparison) and explorer-phone.png
(390x844, the bottom bar); light colour scheme; and host-from-decision.png: the H:205 page a reader reaches
by following the explorer's "blocked" decision to the kernel lines it models (interrupt_pending(), marked);
host-model-note.png: H:240's "In the explorer" note (how the model follows copy_traps()).
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

# name: (path, viewport, wait for the live machine)
SHOTS = {
    "chapter.png": ("/chapters/G-033", (1280, 900), False),
    "contents.png": ("/", (1280, 900), False),
    "explorer.png": ("/chapters/G-033?scenario=g033-irq-enable-pending&actions=break%20L79%3Bcontinue",
                     (1440, 900), True),
    "explorer-whatif.png": ("/chapters/G-033?scenario=g033-irq-enable-pending&actions=step%202%3Bhost_check"
                            "&whatif=1%3Aset%20irq_enabled%200", (1440, 900), True),
    "explorer-phone.png": ("/chapters/G-033?scenario=g033-irq-enable-pending&actions=step%3Bstep%3Bstep",
                           (390, 844), True),
}


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
                for name, (path, (width, height), machine) in SHOTS.items():
                    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme="light",
                                            reduced_motion="reduce")
                    page.goto(base + path)
                    if machine:
                        page.locator("#mx-regs .mx-reg").first.wait_for()
                        if "whatif" in path:
                            page.locator("#mx-whatif h3").wait_for()
                            page.locator("#mx-whatif").scroll_into_view_if_needed()
                        else:
                            page.locator(".sl.is-current").first.evaluate(
                                "e => { const l = e.closest('.listing'); if (l && getComputedStyle(l).maxHeight !== 'none')"
                                " l.scrollTop = e.offsetTop - l.clientHeight / 3;"
                                " else e.scrollIntoView({block: 'center'}); }")
                            if width > 1000:
                                page.locator(".listing").first.evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 8)")
                        page.wait_for_timeout(200)
                    page.screenshot(path=str(out / name))
                    page.close()
                    print(out / name)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
                host_from_decision(page, base, out / "host-from-decision.png")
                model_note(page, base, out / "host-model-note.png")
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


def model_note(page, base: str, path: Path) -> None:
    """H:240's "In the explorer" note: how the model follows copy_traps() for the system call gate."""
    page.goto(base + "/chapters/H-240")
    page.evaluate("document.getElementById('model-syscall-gate').scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollBy(0, -16)")
    page.screenshot(path=str(path))
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
