"""The explorer in a browser (Debian chromium through Playwright), measured side by side in one run:

  (a) first contentful paint vs the moment the live machine is ready (its first render: registers,
      source line and log drawn), on a chapter page opened from a share link;
  (b) the cost of one Step (click to the end of the re-render, server round trip included) after 1 action
      vs after 1,000 actions, in the same page code. Target: <= 1.5x (the log is drawn incrementally).

Run:  .venv/bin/python bench/bench_explorer.py [--repeat N]
The app runs in this process on 127.0.0.1 (werkzeug, threaded), as the browser tests serve it.
No assertions: the numbers are for people (tests never time anything).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from journey_app.web import create_app
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

PAGE = "/chapters/G-045?scenario=g045-iret"
STEPS = 5
# Resolves when the explorer has finished the render after the click (it bumps data-renders last).
STEP_JS = """async () => {
  const root = document.getElementById("mx");
  const before = root.dataset.renders;
  const done = new Promise((resolve) => {
    const seen = new MutationObserver(() => { if (root.dataset.renders !== before) { seen.disconnect(); resolve(); } });
    seen.observe(root, { attributes: true, attributeFilter: ["data-renders"] });
  });
  const t0 = performance.now();
  document.querySelector('[data-cmd="step"]').click();
  await done;
  return performance.now() - t0;
}"""
PAINT_JS = """() => ({
  fcp: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime,
  ready: (performance.getEntriesByName("mx-ready")[0] || {}).startTime })"""


def served(app):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def link(base: str, count: int, rep: int) -> str:
    # a value that differs per repetition, so no response is a memo hit of an earlier one
    actions = ";".join([f"set ebx {rep + 1:#x}"] * count)
    return f"{base}{PAGE}&actions={quote(actions)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if chromium_path() is None:
        print("Debian chromium is not installed: apt-get install -y chromium")
        return 1
    server, base = served(create_app({"cache_dir": tempfile.mkdtemp(prefix="bench-explorer-")}))
    paint, ready, steps = [], [], {1: [], 1000: []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(link(base, 1, 999))                      # warm: build, modules, checkpoints
            for rep in range(args.repeat):
                for count in (1, 1000):
                    page.goto(link(base, count, rep * 2 + (count > 1)))
                    page.wait_for_function("() => performance.getEntriesByName('mx-ready').length > 0")
                    if count == 1:
                        marks = page.evaluate(PAINT_JS)
                        paint.append(marks["fcp"])
                        ready.append(marks["ready"])
                    steps[count] += [page.evaluate(STEP_JS) for _ in range(STEPS)]
            browser.close()
    finally:
        server.shutdown()
    med = statistics.median
    print(f"{'':42} {'median':>9} {'p90':>9}")
    print(f"{'first contentful paint':42} {med(paint):8.1f}ms {sorted(paint)[int(0.9 * len(paint))]:8.1f}ms")
    print(f"{'machine ready (first render)':42} {med(ready):8.1f}ms {sorted(ready)[int(0.9 * len(ready))]:8.1f}ms")
    print(f"{'  ready / first paint':42} {med(ready) / med(paint):8.2f}x")
    for count in (1, 1000):
        xs = sorted(steps[count])
        print(f"{f'Step after {count} action(s)':42} {med(xs):8.1f}ms {xs[int(0.9 * len(xs))]:8.1f}ms")
    print(f"{'  Step after 1,000 / after 1':42} {med(steps[1000]) / med(steps[1]):8.2f}x   (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
