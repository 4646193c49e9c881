"""Chapter pages: the commentary beside its source, each line with its address and the bytes GNU as made."""

from __future__ import annotations

import re

import pytest

HEAD = "arch/x86/lguest/i386_head.S"

CHAPTERS = {
    # id: (first line, last line, a phrase of its commentary)
    "G:020": (8, 41, "Our story starts with the kernel booting into"),
    "G:033": (56, 129, "But using those wrappers is inefficient"),
    "G:045": (150, 191, "There is one final"),
    "G:055": (43, 54, "We create a macro which puts the assembler code between"),
    "M:004": (135, 148, "When the Host reflects a trap or injects an interrupt into the Guest"),
}


def line_html(html: str, number: int) -> str:
    """The markup of one source line element (id="L<n>") up to its closing div."""
    start = html.index(f'id="L{number}"')
    return html[html.rindex("<div", 0, start):html.index("</div>", start)]


def text_of(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment)


@pytest.mark.parametrize("chapter_id", sorted(CHAPTERS))
def test_each_chapter_page_shows_its_commentary_and_every_source_line(client, chapter_id):
    first, last, phrase = CHAPTERS[chapter_id]
    response = client.get(f"/chapters/{chapter_id.replace(':', '-')}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert phrase in html
    for number in range(first, last + 1):
        # every line is anchored, its number a link to itself
        assert re.search(f'id="L{number}"[^>]*><a href="#L{number}">{number}</a>', html), number
    # Lines of the file outside the chapter are not on its page.
    assert f'id="L{first - 1}"' not in html
    assert f'id="L{last + 1}"' not in html
    assert '<section id="machine" class="machine" aria-label="Live machine" hidden>' in html


def test_g033_testl_line_shows_address_bytes_and_decoding(client):
    html = client.get("/chapters/G-033").get_data(as_text=True)
    line = line_html(html, 78)
    assert '<span class="sl-a">c010003a</span>' in line
    assert "f7 05 14 10 10 c0 00 00 00 00" in line
    assert "testl $0, 0xc0101014" in text_of(line)
    assert "testl" in text_of(line) and "LGUEST_DATA_irq_pending" in text_of(line)
    assert '<span class="nf">testl</span>' in line  # Pygments GAS highlighting, classes only


@pytest.mark.parametrize("slug,number", [("G-020", 35), ("G-033", 104)])
def test_the_hand_made_vmcall_shows_its_bytes_and_capstone_decoding(client, slug, number):
    line = line_html(client.get(f"/chapters/{slug}").get_data(as_text=True), number)
    assert ".byte" in text_of(line) and "0x0f,0x01,0xc1" in text_of(line)
    assert '<span class="sl-b"' in line and "0f 01 c1</span>" in line
    assert "vmcall" in text_of(line)


def test_lines_without_bytes_carry_no_address(client):
    html = client.get("/chapters/G-033").get_data(as_text=True)
    assert 'id="L67"><a href="#L67">67</a><code>' in html  # a note line: number, then its text
    label = line_html(html, 86)  # send_interrupts: its label's address, marked as such
    assert 'class="sl-a"' not in label and 'data-label="send_interrupts"' in label
    assert 'data-label-address="0xc0100047"' in label and '<span class="sl-a sl-a-label"' in label


def test_multi_line_comments_stay_comments_on_every_line(client):
    html = client.get("/chapters/G-020").get_data(as_text=True)
    commentary = [line_html(html, n) for n in range(9, 26)]
    assert all('class="cm"' in line for line in commentary)
    assert 'class="sl-a"' not in line_html(html, 30)
    assert '<span class="ct">We make the' in line_html(html, 30)


def test_inline_notes_are_joined_to_the_line_they_explain(client):
    html = client.get("/chapters/G-033").get_data(as_text=True)
    group = html[html.index('aria-label="Note on line 78"'):]
    group = group[:group.index('<div class="note-group') if '<div class="note-group' in group else None]
    assert 'id="L72"' in group and 'id="L77"' in group and 'id="L78"' in group
    assert "sl-noted" in line_html(html, 78)


def test_commentary_is_prose_with_names_set_as_code(client):
    html = client.get("/chapters/G-045").get_data(as_text=True)
    commentary = html[html.index('class="commentary"'):html.index('class="source"')]
    assert "<p>" in commentary
    assert '<pre class="commentary-pre">old address' in commentary  # the indented list stays as set
    assert "<code>lguest_data.irq_enabled</code>" in commentary
    assert "<em>cool</em>" in commentary
    assert "“iret”" in commentary


def test_chapter_place_and_neighbours_in_journey_order(client):
    html = client.get("/chapters/G-033").get_data(as_text=True)
    assert "Guest · chapter 18 of 137" in html
    assert f"<code>{HEAD}</code>, lines 56–129" in html
    # G:032 is in boot.c: previous/next run through the whole Journey, across files.
    assert '<a class="pager-prev" rel="prev" href="/chapters/G-032">' in html
    assert '<a class="pager-next" rel="next" href="/chapters/G-034">' in html
    assert '<link rel="prev" href="/chapters/G-032">' in html
    first = client.get("/chapters/P-010").get_data(as_text=True)
    assert 'rel="prev"' not in first and "where the Journey begins" in first
    last = client.get("/chapters/M-999").get_data(as_text=True)
    assert 'rel="next"' not in last


def test_colon_form_redirects_to_the_url_safe_slug(client):
    for ref in ("G:033", "g-033", "g:033"):
        response = client.get(f"/chapters/{ref}")
        assert response.status_code == 301, ref
        assert response.headers["Location"].endswith("/chapters/G-033")


def test_chapter_json_twin(client):
    data = client.get("/chapters/G-033.json").get_json()
    assert data["chapter"]["id"] == "G:033" and data["chapter"]["slug"] == "G-033"
    assert (data["chapter"]["start_line"], data["chapter"]["end_line"]) == (56, 129)
    assert data["prev"] == "G:032" and data["next"] == "G:034"
    assert [line["line"] for line in data["lines"]] == list(range(56, 130))
    by_line = {line["line"]: line for line in data["lines"]}
    testl = by_line[78]
    assert testl["role"] == "code"
    assert testl["address"] == 0xC010003A and testl["size"] == 10
    assert testl["bytes"] == "f7 05 14 10 10 c0 00 00 00 00"
    assert testl["insns"][0]["mnemonic"] == "testl"
    assert testl["text"] == "\ttestl $0, lguest_data+LGUEST_DATA_irq_pending"
    assert testl["note"]["start_line"] == 72 and testl["note"]["text"].startswith("But now we need")
    assert by_line[104]["insns"][0]["text"] == "vmcall" and by_line[104]["bytes"] == "0f 01 c1"
    assert by_line[67]["role"] == "note" and by_line[67]["address"] is None
    assert by_line[86]["label"] == {"name": "send_interrupts", "address": 0xC0100047}
    assert data["build"]["origin"] in ("prebuilt", "cache", "built")


def test_chapter_memory_summary_in_page_and_json(client):
    memory = client.get("/chapters/G-033.json").get_json()["memory"]
    assert memory["start"] == 0xC010002F and memory["end"] == 0xC0100062
    assert [label["name"] for label in memory["labels"]] == ["lg_irq_enable", "send_interrupts", "lg_restore_fl"]
    html = client.get("/chapters/G-033").get_data(as_text=True)
    assert '<a href="#L86"><code>send_interrupts</code></a>' in html
    assert client.get("/chapters/M-004.json").get_json()["memory"] is None


def test_chapter_json_accepts_the_colon_form_too(client):
    assert client.get("/chapters/G:033.json").get_json()["chapter"]["id"] == "G:033"


def test_html_and_json_agree_on_every_line(client):
    html = client.get("/chapters/G-020").get_data(as_text=True)
    for line in client.get("/chapters/G-020.json").get_json()["lines"]:
        element = line_html(html, line["line"])
        if line["address"] is None:
            assert 'class="sl-a"' not in element
        else:
            assert f'<span class="sl-a">{line["address"]:08x}</span>' in element
        if line["bytes"]:
            assert line["bytes"] in element


def test_unknown_chapter_is_a_readable_404_page(client):
    response = client.get("/chapters/G-999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "G-999" in html and "Back to the table of contents" in html


def test_unknown_chapter_json_is_the_one_error_shape(client):
    response = client.get("/chapters/G-999.json")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "G-999" in error["message"]


@pytest.mark.parametrize("ref", ["nonsense", "G-", "Q-001", "G-033x"])
def test_malformed_chapter_ids_are_404(client, ref):
    assert client.get(f"/chapters/{ref}").status_code == 404
    assert client.get(f"/chapters/{ref}.json").get_json()["error"]["code"] == "not_found"


def test_pages_carry_no_inline_script_or_style(client):
    for url in ("/", "/chapters/G-033", f"/source/2.6.31/{HEAD}", "/chapters/G-999"):
        html = client.get(url).get_data(as_text=True)
        assert " style=" not in html, url
        assert "<style" not in html, url
        for tag in re.findall(r"<script[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag, (url, tag)   # code comes from files


def test_chapter_page_weight_stays_well_under_150_kb(client):
    """HTML + every stylesheet and script the page loads, ES-module imports included, as sent to a browser
    that accepts brotli (the app compresses text itself); uncompressed it stays under 300 KB."""
    wire = {"Accept-Encoding": "br, gzip"}
    response = client.get("/chapters/G-033", headers=wire)
    assert response.headers["Content-Encoding"] == "br"
    total = len(response.data)
    html = client.get("/chapters/G-033").get_data(as_text=True)
    raw = len(html.encode())
    pending = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script[^>]* src="([^"]+)"', html)
    seen: set[str] = set()
    while pending:
        asset = pending.pop()
        if asset in seen:
            continue
        seen.add(asset)
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        raw += len(fetched.data)
        with client.get(asset, headers=wire) as compressed:
            total += len(compressed.data)
        if asset.endswith(".js"):
            base = asset.rsplit("/", 1)[0]
            for module in re.findall(r"""(?:^|\s)(?:import|export)[^'"]*?from\s*['"](\./[^'"]+)['"]""", fetched.get_data(as_text=True), re.M):
                pending.append(f"{base}/{module[2:]}")
        fetched.close()
    assert len(seen) >= 3 and total < 150 * 1024, f"{total} bytes over {sorted(seen)}"
    assert raw < 300 * 1024, raw


def test_build_failure_still_serves_the_text(content_copy, make_client):
    head = content_copy / "kernels" / "2.6.31" / HEAD
    head.write_text(head.read_text() + "\n\tnot_an_instruction %eax\n")
    client = make_client(content_copy)
    response = client.get("/chapters/G-033")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bytes unavailable" in html
    assert "But using those wrappers is inefficient" in html
    data = client.get("/chapters/G-033.json").get_json()
    assert data["build"] is None and data["build_error"]["code"] in ("build_error", "toolchain_missing")


def test_chapter_ids_in_any_typed_form_redirect_to_the_chapter(client):
    for typed in ("G033", "g33", "G:33", "g-033"):
        response = client.get(f"/chapters/{typed}")
        assert (response.status_code, response.headers["Location"]) == (301, "/chapters/G-033"), typed


def test_a_missing_chapter_is_a_friendly_page_with_the_chapter_list(client):
    response = client.get("/chapters/G-999", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "The chapters there are" in html and 'href="/chapters/G-045"' in html
    assert '"version"' not in html                  # no raw JSON for a reader


def test_favicon(client):
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
