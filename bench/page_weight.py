"""Page weight of a chapter page with all its assets, and the requests it makes to anyone but us.

    .venv/bin/python bench/page_weight.py [--chapter G-033] [--no-browser]

Serves the app on a free 127.0.0.1 port (werkzeug, in a thread) and loads the chapter in Debian's
chromium through Playwright, recording every request: bytes of the document and its assets
(CSS, ES modules, the icon) as the browser got them, uncompressed, bytes of the API data the explorer
fetched, and every request that left 127.0.0.1. Without chromium (or with --no-browser) it follows the
page's <link> (stylesheet, icon, modulepreload), <script> and ES-module imports by parsing instead;
tests/web/test_page_weight.py counts the same way (`by_parsing` with the test client's `fetch`).
Targets: every chapter page < 300 KB with its assets (issue 12; the biggest, G:038, aimed at ≤ 270 KB),
G:033 < 150 KB (issue 5), zero third-party requests. Prints only.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from journey_app.web import create_app  # noqa: E402

import logging  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)

CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
BUDGET = 300 * 1000          # issue 12: every chapter page with its assets (bytes, as bench_pages reads it)


def serve():
    app = create_app({"cache_dir": tempfile.mkdtemp(prefix="weight-cache-")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def with_browser(url: str, executable: str) -> list[dict]:
    from playwright.sync_api import sync_playwright

    seen: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        page = browser.new_page()

        def on_finished(request):
            response = request.response()
            body = response.body() if response is not None else b""
            seen.append({"url": request.url, "type": request.resource_type, "bytes": len(body),
                         "status": response.status if response is not None else None})

        page.on("requestfinished", on_finished)
        page.on("requestfailed", lambda r: seen.append({"url": r.url, "type": r.resource_type, "bytes": 0,
                                                        "status": "failed"}))
        page.goto(url, wait_until="networkidle")
        page.wait_for_selector("#machine:not([hidden])", timeout=15000)
        page.wait_for_load_state("networkidle")
        browser.close()
    return seen


def _urlopen(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return response.read()


def by_parsing(url: str, fetch=_urlopen) -> list[dict]:
    """The document, its stylesheets, icon and scripts, and every module they import or preload (no API
    calls), each as `fetch(url)` gets its bytes (uncompressed)."""
    seen: list[dict] = []
    queue, done = [(url, "document")], set()
    while queue:
        current, kind = queue.pop(0)
        if current in done:
            continue
        done.add(current)
        body = fetch(current)
        seen.append({"url": current, "type": kind, "bytes": len(body), "status": 200})
        text = body.decode("utf-8", "replace")
        if kind == "document":
            for tag in re.finditer(r"<(?:link|script|img)\b[^>]*>", text):
                m = re.search(r"(?:href|src)=\"([^\"]+)\"", tag.group(0))
                rel = re.search(r'rel="([^"]+)"', tag.group(0))
                loaded = tag.group(0).startswith(("<script", "<img")) or (
                    rel is not None and rel.group(1) in ("stylesheet", "icon", "modulepreload"))
                if m and loaded:
                    kind_of = ("script" if "<script" in tag.group(0) or "modulepreload" in tag.group(0)
                               else "other" if "icon" in tag.group(0) or "<img" in tag.group(0) else "stylesheet")
                    queue.append((urljoin(current, m.group(1)), kind_of))
        elif kind == "script":
            for m in re.finditer(r"(?:import|from)\s*\(?\s*[\"']([^\"']+\.js)[\"']", text):
                queue.append((urljoin(current, m.group(1)), "script"))
        elif kind == "stylesheet":
            for m in re.finditer(r"url\(\s*[\"']?([^\"')]+)", text):
                if not m.group(1).startswith("data:"):
                    queue.append((urljoin(current, m.group(1)), "other"))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", default="G-033")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    server, base = serve()
    url = f"{base}/chapters/{args.chapter}"
    executable = next((c for c in CHROMIUM if Path(c).is_file()), shutil.which("chromium"))
    try:
        if executable and not args.no_browser:
            try:
                import playwright  # noqa: F401
                method = f"chromium via Playwright ({executable})"
                seen = with_browser(url, executable)
            except ImportError:
                method, seen = "parsing (Playwright not installed)", by_parsing(url)
        else:
            method, seen = "parsing (no browser)", by_parsing(url)
    finally:
        server.shutdown()

    ours = [r for r in seen if urlparse(r["url"]).hostname == "127.0.0.1"]
    foreign = [r for r in seen if urlparse(r["url"]).hostname != "127.0.0.1" and not r["url"].startswith("data:")]
    assets = [r for r in ours if not urlparse(r["url"]).path.startswith("/api/") and not r["url"].endswith(".json")]
    data = [r for r in ours if r not in assets]
    print(f"{url}  measured by {method}")
    print(f"{'bytes':>9}  {'type':<11} url")
    for r in sorted(ours, key=lambda r: (r in data, -r["bytes"])):
        print(f"{r['bytes']:9d}  {r['type']:<11} {urlparse(r['url']).path}{'?' + urlparse(r['url']).query if urlparse(r['url']).query else ''}")
    page_bytes = sum(r["bytes"] for r in assets)
    print(f"page + assets: {page_bytes} bytes = {page_bytes / 1024:.1f} KiB in {len(assets)} requests "
          f"(target < {BUDGET:,} bytes)  {'ok' if page_bytes < BUDGET else 'OVER'}")
    print(f"API data the explorer fetched: {sum(r['bytes'] for r in data)} bytes in {len(data)} requests")
    print(f"third-party requests: {len(foreign)}  {'ok' if not foreign else 'FOUND'}")
    for r in foreign:
        print(f"   {r['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
