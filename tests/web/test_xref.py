"""Cross-references: names in code link to their page; each page lists definitions (file, line,
chapter) and every use; commentary links chapter ids, files and function() names."""

from __future__ import annotations

import re


def test_interrupt_pending_is_defined_once_and_used_where_the_host_loop_calls_it(client):
    data = client.get("/ident/2.6.31/interrupt_pending.json").get_json()

    [definition] = data["definitions"]
    assert (definition["file"], definition["line"], definition["end_line"], definition["chapter"], definition["kind"]) \
        == ("drivers/lguest/interrupts_and_traps.c", 157, 180, "H:205", "function")
    assert definition["chapter_url"] == "/chapters/H-205?hl=157-180#L157"
    uses = {(f["file"], u["line"]) for f in data["uses"] for u in f["uses"]}
    assert ("drivers/lguest/core.c", 244) in uses


def test_hypercall_constants_link_from_guest_assembler_to_the_header(client):
    data = client.get("/ident/2.6.31/LHCALL_SEND_INTERRUPTS.json").get_json()
    assert data["definitions"][0]["file"] == "arch/x86/include/asm/lguest_hcall.h"
    assert {"arch/x86/lguest/i386_head.S", "drivers/lguest/hypercalls.c"} <= {f["file"] for f in data["uses"]}
    html = client.get("/chapters/G-033").get_data(as_text=True)
    assert '<a class="xr" href="/ident/2.6.31/LHCALL_SEND_INTERRUPTS">LHCALL_SEND_INTERRUPTS</a>' in html


def test_labels_and_entry_points_are_names(client):
    for name in ("lguest_entry", "send_interrupts", "lguest_iret", "switch_to_guest", "LGUEST_PATCH"):
        assert client.get(f"/ident/2.6.31/{name}").status_code == 200, name


def test_names_in_comments_are_not_links(client):
    html = client.get("/chapters/H-205").get_data(as_text=True)
    comment_lines = re.findall(r'<span class="c[m1]">[^<]*</span>', html)
    assert comment_lines and not any("xr" in line for line in comment_lines)


def test_chapter_ids_in_prose_link_only_to_chapters_that_exist():
    from markupsafe import Markup

    from journey_app.web.pages.linking import link_chapter_mentions

    html = Markup("See G:032 and H:999, not <code>G:033</code> or 1G:0322.")
    linked = link_chapter_mentions(html, lambda letter, digits: "/chapters/G-032" if digits == "032" else None)

    assert linked == Markup('See <a class="chapter-ref" href="/chapters/G-032">G:032</a> and H:999, '
                            "not <code>G:033</code> or 1G:0322.")


def test_commentary_links_files_and_functions(client):
    h205 = client.get("/chapters/H-205").get_data(as_text=True)
    prose = h205[h205.index('class="commentary"'):h205.index('class="source"')]
    assert '<a class="code-ref" href="/ident/2.6.31/interrupt_pending"><code>interrupt_pending()</code></a>' in prose
    p010 = client.get("/chapters/P-010").get_data(as_text=True)
    assert 'href="/source/2.6.31/Documentation/lguest/lguest.c"' in p010


def test_unknown_name_is_a_readable_404(client):
    assert client.get("/ident/2.6.31/no_such_name").status_code == 404
    assert client.get("/ident/2.6.31/no_such_name.json").get_json()["error"]["code"] == "not_found"
    assert client.get("/ident/9.9/interrupt_pending").status_code == 404


def test_name_list_has_every_definition(client):
    data = client.get("/ident/2.6.31/index.json").get_json()
    assert data["count"] > 300 and "interrupt_pending" in {n["name"] for n in data["names"]}
