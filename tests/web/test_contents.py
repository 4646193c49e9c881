"""The table of contents: both orders, versions found by listing, content errors shown not swallowed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

HEAD = "arch/x86/lguest/i386_head.S"
VERSION = "2.6.31"

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / f"chapters-{VERSION}.json"
# The 137 chapters as the golden file has them (Journey order), and by file then line.
_CHAPTERS = json.loads(GOLDEN.read_text())
JOURNEY_ORDER = [c["id"] for c in _CHAPTERS]
FILE_ORDER = [c["id"] for c in sorted(_CHAPTERS, key=lambda c: (c["file"], c["start_line"]))]


def _ids_in(html: str, section_class: str) -> list[str]:
    start = html.index(f'class="toc {section_class}"')
    end = html.index("</article>")
    return re.findall(r'<span class="toc-id">([A-Z]:\d+)</span>', html[start:end])


def test_contents_lists_every_chapter_in_journey_order_grouped_by_stage(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert _ids_in(html, "toc-journey") == JOURNEY_ORDER
    assert re.findall(r'<h3 id="stage-([A-Z])">', html) == list("PGDLHSM")  # make Beer's order


def test_file_order_page_lists_every_chapter_by_file_and_line(client):
    html = client.get("/files").get_data(as_text=True)
    assert _ids_in(html, "toc-files") == FILE_ORDER
    assert 'href="/files"' in client.get("/").get_data(as_text=True)
    assert [c["id"] for c in client.get("/files.json").get_json()["file_order"]] == FILE_ORDER


def test_contents_entries_show_title_file_and_lines(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/chapters/G-033"' in html
    assert "i386_head.S:56" in html
    assert f'title="{HEAD}, lines 56–129"' in html
    assert f'href="/source/{VERSION}/{HEAD}"' in client.get("/files").get_data(as_text=True)  # each whole file
    assert "the window where interrupts must wait" in html      # the short title, from titles.toml


def test_contents_json_twin_has_both_orders(client):
    data = client.get("/index.json").get_json()
    assert data["version"] == VERSION
    assert [c["id"] for c in data["journey_order"]] == JOURNEY_ORDER
    assert [c["id"] for c in data["file_order"]] == FILE_ORDER
    assert [s["name"] for s in data["stages"]] == ["Preparation", "Guest", "Drivers", "Launcher", "Host",
                                                   "Switcher", "Mastery"]
    g033 = next(c for c in data["journey_order"] if c["id"] == "G:033")
    assert (g033["file"], g033["start_line"], g033["end_line"]) == (HEAD, 56, 129)
    assert g033["url"] == "/chapters/G-033" and g033["json"] == "/chapters/G-033.json"
    assert data["errors"] == []
    assert [v["version"] for v in data["versions"]] == [VERSION]


def test_contents_page_and_json_carry_the_same_chapters(client):
    html = client.get("/").get_data(as_text=True)
    for entry in client.get("/index.json").get_json()["journey_order"]:
        assert f'href="{entry["url"]}"' in html


def test_single_version_shows_no_version_list(client):
    assert "Kernel versions" not in client.get("/").get_data(as_text=True)


def test_version_page_and_json(client):
    assert client.get(f"/v/{VERSION}/").status_code == 200
    data = client.get(f"/v/{VERSION}/index.json").get_json()
    assert [c["id"] for c in data["file_order"]] == FILE_ORDER


def test_unknown_version_is_404_in_both_forms(client):
    page = client.get("/v/9.9.9/")
    assert page.status_code == 404 and page.mimetype == "text/html"
    body = client.get("/v/9.9.9/index.json")
    assert body.status_code == 404
    assert body.get_json()["error"]["code"] == "not_found"


def test_broken_marker_is_reported_with_file_and_line_and_the_rest_still_serves(content_copy, make_client):
    head = content_copy / "kernels" / VERSION / HEAD
    text = head.read_text()
    lines_before = text.count("\n")
    head.write_text(text + "\n/*G:033\n * The same chapter number a second time.\n */\n/*G: no number */\n")
    client = make_client(content_copy)

    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    duplicate_line = lines_before + 2
    assert 'class="notice notice-error"' in html
    assert f"{HEAD}:{duplicate_line}" in html
    assert "G:033 already defined" in html
    assert f"{HEAD}:{duplicate_line + 3}" in html  # the marker without a number
    assert _ids_in(html, "toc-journey") == JOURNEY_ORDER

    errors = client.get("/index.json").get_json()["errors"]
    assert {(e["file"], e["line"]) for e in errors} == {(HEAD, duplicate_line), (HEAD, duplicate_line + 3)}
    assert all(e["code"] == "content_error" for e in errors)

    for slug in ("G-020", "G-033", "M-004"):
        page = client.get(f"/chapters/{slug}")
        assert page.status_code == 200, slug


def test_a_second_version_folder_shows_up_with_no_code_change(content_copy, make_client):
    shutil.copytree(content_copy / "kernels" / VERSION, content_copy / "kernels" / "2.6.32")
    client = make_client(content_copy)

    html = client.get("/").get_data(as_text=True)
    assert "Kernel versions" in html
    assert 'href="/v/2.6.31/"' in html and "Linux 2.6.32" in html
    assert 'aria-current="page">Linux 2.6.32' in html  # the newest is the default

    older = client.get("/v/2.6.31/")
    assert older.status_code == 200
    older_html = older.get_data(as_text=True)
    assert 'aria-current="page">Linux 2.6.31' in older_html
    assert 'href="/v/2.6.31/chapters/G-033"' in older_html

    data = client.get("/index.json").get_json()
    assert [v["version"] for v in data["versions"]] == ["2.6.31", "2.6.32"]
    assert data["version"] == "2.6.32"

    chapter = client.get("/v/2.6.31/chapters/G-033.json").get_json()
    assert chapter["version"] == "2.6.31" and chapter["chapter"]["id"] == "G:033"
    assert client.get("/v/2.6.31/chapters/G-033").status_code == 200


def test_cached_pages_follow_a_new_default_version(content_copy, make_client):
    """Every page's links depend on which version is the default (it has the short URLs): a version added
    under a running site must not leave the older version's cached pages linking to the new one."""
    from journey_app.web.infra.context import catalog

    client = make_client(content_copy)
    with client.application.app_context():
        catalog().library.recheck_seconds = 0          # list the kernel folders at every request
    for path in ("/v/2.6.31/chapters/G-033", "/v/2.6.31/stages/G"):
        assert 'href="/"' in client.get(path).get_data(as_text=True), path     # 2.6.31 is the default
    shutil.copytree(content_copy / "kernels" / VERSION, content_copy / "kernels" / "2.6.32")

    for path in ("/v/2.6.31/chapters/G-033", "/v/2.6.31/stages/G"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/v/2.6.31/"' in html and 'href="/chapters/' not in html, path
