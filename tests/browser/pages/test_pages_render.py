"""The pages as a reader sees them in Debian chromium: commentary and source visible, layout, keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CHAPTERS = {
    "G-020": ("Our story starts with the kernel booting", [33, 35, 41]),
    "G-033": ("But using those wrappers is inefficient", [71, 78, 104, 128]),
    "G-045": ("There is one final", [179, 188, 190]),
    "G-055": ("We create a macro", [53, 54]),
    "M-004": ("When the Host reflects a trap", []),
}


@pytest.mark.parametrize("slug", sorted(CHAPTERS))
def test_each_chapter_shows_its_commentary_and_source_lines(page: Page, live_server, slug):
    phrase, code_lines = CHAPTERS[slug]
    response = page.goto(f"{live_server}/chapters/{slug}")
    assert response is not None and response.status == 200
    expect(page.locator(".commentary")).to_be_visible()
    expect(page.locator(".commentary p").first).to_contain_text(phrase)
    expect(page.locator(".listing")).to_be_visible()
    visible_lines = page.locator(".listing .sl:visible")
    assert visible_lines.count() > 0
    for number in code_lines:
        line = page.locator(f"#L{number}")
        line.scroll_into_view_if_needed()
        expect(line).to_be_visible()
        expect(line.locator(".sl-b")).to_be_visible()  # the bytes GNU as made
        expect(line.locator(".sl-a")).to_have_text(re.compile(r"^c0[0-9a-f]{6}$"))  # where they sit


def test_vmcall_line_reads_as_bytes_and_decoding(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033")
    line = page.locator("#L104")
    expect(line.locator(".sl-b")).to_have_text("0f 01 c1")
    expect(line.locator(".sl-d")).to_have_text("vmcall")
    expect(page.locator("#L78 .sl-b")).to_have_text("f7 05 14 10 10 c0 00 00 00 00")


def test_wide_screens_set_commentary_beside_the_source(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033")
    page.locator("#mx-regs .mx-reg").first.wait_for()
    machine, source = page.locator("#machine").bounding_box(), page.locator(".source").bounding_box()
    assert source["x"] + source["width"] <= machine["x"]           # at 1280 the live machine sits beside the code
    page.set_viewport_size({"width": 1600, "height": 900})           # and from 1536 the commentary does too
    prose = page.locator(".commentary").bounding_box()
    source = page.locator(".source").bounding_box()
    assert prose["x"] + prose["width"] <= source["x"]
    assert abs(prose["y"] - source["y"]) < 80


def test_narrow_screens_put_commentary_above_the_source(page: Page, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/chapters/G-033")
    prose = page.locator(".commentary").bounding_box()
    source = page.locator(".source").bounding_box()
    assert prose["y"] + prose["height"] <= source["y"]
    # The page itself never scrolls sideways; only the listing does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_commentary_lines_are_folded_and_open_on_request(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033")
    expect(page.locator("#L60")).to_be_hidden()
    page.locator("details.fold > summary").click()
    expect(page.locator("#L60")).to_be_visible()


def test_line_links_target_their_line(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033#L78")
    background = page.locator("#L78").evaluate("el => getComputedStyle(el).backgroundColor")
    other = page.locator("#L79").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background != other


def test_skip_link_and_focus_are_visible(page: Page, live_server):
    page.goto(f"{live_server}/chapters/G-033")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link").first
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # it slides into view when focused
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_contents_and_next_link_lead_through_the_journey(page: Page, live_server):
    page.goto(f"{live_server}/")
    expect(page.locator(".toc-journey .toc-entry")).to_have_count(137)
    page.locator(".toc-journey a", has_text="G:032").click()
    # The explorer may add ?scenario=... to the address once it boots (history.replaceState).
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/chapters/G-032") + r"(\?.*)?$"))
    page.locator("a.pager-next").click()
    # The live machine may add its share-link query (?scenario=...) once it has loaded.
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/chapters/G-033") + r"(\?.*)?$"))
    page.goto(f"{live_server}/files")
    expect(page.locator(".toc-files .toc-entry")).to_have_count(137)


def test_unknown_chapter_is_a_readable_page(page: Page, live_server):
    response = page.goto(f"{live_server}/chapters/G-999")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not in this book")
