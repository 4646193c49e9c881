"""Reading the Journey whole: stage pages in Journey order with code, the file-order page, previous/next
through all 137 chapters, and `?hl=` marking a chapter's lines."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

GOLDEN = json.loads((Path(__file__).resolve().parent.parent / "golden" / "chapters-2.6.31.json").read_text())
STAGE_NAMES = ["Preparation", "Guest", "Drivers", "Launcher", "Host", "Switcher", "Mastery"]


def test_every_chapter_links_to_the_next_through_the_whole_journey(client):
    ids = [c["id"] for c in GOLDEN]
    for before, after in itertools.pairwise(ids):
        data = client.get(f"/chapters/{before.replace(':', '-')}.json").get_json()
        assert data["next"] == after
    assert client.get("/chapters/M-999.json").get_json()["next"] is None


def test_stage_page_holds_its_chapters_in_number_order_with_code(client):
    html = client.get("/stages/H").get_data(as_text=True)
    ids = re.findall(r'<section class="stage-chapter" id="([A-Z]-\d+)"', html)

    assert ids == [c["id"].replace(":", "-") for c in GOLDEN if c["stage"] == "H"]
    assert "unsigned int interrupt_pending" in re.sub(r"<[^>]+>", "", html)
    assert '<link rel="stylesheet"' in html and "@media print" in Path("static/css/journey.css").read_text()


def test_stage_accepts_letter_or_name_and_has_a_json_twin(client):
    assert client.get("/stages/host").status_code == 200
    data = client.get("/stages/S.json").get_json()
    assert (data["name"], [c["id"] for c in data["chapters"]]) == ("Switcher", ["S:010", "S:100"])
    assert client.get("/stages/X").status_code == 404
    assert client.get("/stages/X.json").get_json()["error"]["code"] == "not_found"


def test_contents_groups_stages_in_make_beer_order_with_file_and_line(client):
    html = client.get("/").get_data(as_text=True)
    assert re.findall(r'<h3 id="stage-[A-Z]"><span[^>]*>[A-Z]</span> (\w+)</h3>', html) == STAGE_NAMES
    assert 'href="/stages/G"' in html
    assert "boot.c:" in html


def test_hl_marks_the_cited_lines_and_ignores_nonsense(client):
    html = client.get("/chapters/H-205?hl=166-179").get_data(as_text=True)
    marked = [int(n) for n in re.findall(r'class="sl [^"]*sl-hl[^"]*" id="L(\d+)"', html)]
    assert marked == list(range(166, 180))
    for bad in ("1-99999", "abc", "9" * 40, "179-166"):
        page = client.get(f"/chapters/H-205?hl={bad}")
        assert page.status_code == 200
    clipped = client.get("/chapters/H-205?hl=1-151").get_data(as_text=True)
    assert re.findall(r'sl-hl[^"]*" id="L(\d+)"', clipped) == ["150", "151"]


def test_chapter_page_is_rendered_once_per_content(app, client):
    from journey_app.web.pages.cache import CACHE_KEY

    first = client.get("/chapters/H-205").get_data()
    misses = app.extensions[CACHE_KEY].stats()["misses"]
    second = client.get("/chapters/H-205").get_data()

    assert first == second and app.extensions[CACHE_KEY].stats()["misses"] == misses


def test_c_and_assembler_pages_are_highlighted_with_line_anchors(client):
    c_page = client.get("/chapters/H-205").get_data(as_text=True)
    s_page = client.get("/chapters/S-100").get_data(as_text=True)  # switcher_32.S
    assert 'id="L157"' in c_page and re.search(r'<span class="kt">[^<]*\bint\b', c_page)  # CLexer's keyword type
    assert 'id="L' in s_page and '<span class="nl">' in s_page  # GAS labels
