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
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from latency import percentile
from playwright.sync_api import sync_playwright

from journey_app.web import create_app
from tests.browser.conftest import CHROMIUM_ARGS, _served, chromium_path

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
    paint, ready, steps = [], [], {1: [], 1000: []}
    app = create_app({"cache_dir": tempfile.mkdtemp(prefix="bench-explorer-")})
    with _served(app) as base, sync_playwright() as p:
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
    med = statistics.median
    print(f"{'':42} {'median':>9} {'p90':>9}")
    print(f"{'first contentful paint':42} {med(paint):8.1f}ms {percentile(paint, 0.9):8.1f}ms")
    print(f"{'machine ready (first render)':42} {med(ready):8.1f}ms {percentile(ready, 0.9):8.1f}ms")
    print(f"{'  ready / first paint':42} {med(ready) / med(paint):8.2f}x")
    for count in (1, 1000):
        xs = steps[count]
        print(f"{f'Step after {count} action(s)':42} {med(xs):8.1f}ms {percentile(xs, 0.9):8.1f}ms")
    print(f"{'  Step after 1,000 / after 1':42} {med(steps[1000]) / med(steps[1]):8.2f}x   (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
