"""Page weight budget (issue 12): every chapter page with everything it loads (document, stylesheets, ES
modules, icon; uncompressed, as served) under 300 KB (300,000 bytes, as bench/bench_pages.py reads it),
counted as bench/page_weight.py counts it without a browser. The biggest is G:038 (827 lines of boot.c,
gcc's instructions and the live machine): 292.6 KB when this test was written.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from journey_app.web.infra import assets

ROOT = Path(__file__).resolve().parents[2]
CRITERION = 300 * 1000
BIGGEST = "G-038"


def _page_weight():
    spec = importlib.util.spec_from_file_location("page_weight", ROOT / "bench" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def weigh(client, path: str) -> list[dict]:
    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, url
        return response.get_data()

    return _page_weight().by_parsing(f"http://localhost{path}", fetch=fetch)


def test_biggest_chapter_page_with_its_assets_is_within_budget(client):
    assert assets.esbuild(), "the assets are served minified by esbuild (Debian package; scripts/dev.sh installs it)"
    seen = weigh(client, f"/chapters/{BIGGEST}")
    kinds = {r["type"] for r in seen}
    assert {"document", "stylesheet", "script", "other"} <= kinds     # the whole page is counted
    assert any(r["url"].endswith("/static/js/explorer/machine.js") for r in seen)   # imports followed
    total = sum(r["bytes"] for r in seen)
    assert total < CRITERION, f"{BIGGEST}: {total} bytes with its assets"


@pytest.mark.slow
def test_every_chapter_page_with_its_assets_is_under_300_kb(client):
    chapters = client.get("/index.json").get_json()["journey_order"]
    assert len(chapters) == 137
    totals = {c["id"]: sum(r["bytes"] for r in weigh(client, urlsplit(c["url"]).path)) for c in chapters}
    assert max(totals.values()) == totals[BIGGEST.replace("-", ":")]      # the biggest is the one budgeted above
    assert all(total < CRITERION for total in totals.values()), {k: v for k, v in totals.items() if v >= CRITERION}
