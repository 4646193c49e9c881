"""A C chapter shows its C beside the instructions gcc made, coloured in pairs; assembler chapters do not."""

from __future__ import annotations

import re


def test_c_chapter_lists_its_functions_with_instructions_tied_to_lines(client):
    html = client.get("/chapters/G-034").get_data(as_text=True)

    assert "What gcc made of it" in html
    assert 'id="fn-lguest_write_idt_entry"' in html
    pairs = re.findall(r'class="casm-run casm-c(\d)"><a href="#L(\d+)">', html)
    assert pairs, "runs of instructions carry their colour and C line"
    colour_of = {}
    for colour, line in pairs:
        assert colour_of.setdefault(line, colour) == colour              # one colour per C line
    assert "289" in colour_of                                             # the kvm_hypercall3 line
    # each instruction is a line of objdump-style text: address, bytes, Capstone's text
    assert re.search(r"\n[0-9a-f]{8}  (?:[0-9a-f]{2} )*[0-9a-f]{2}\t\S", html)
    # a tab before the text, its stop set past the function's widest bytes (casm.css casm-w<width>)
    assert re.search(r'<pre class="casm-pre casm-w(?:[1-9]|[1-3][0-9]|4[0-4])">', html)
    colours = re.search(r'data-colours="([^"]*)"', html).group(1)
    assert f"289:{colour_of['289']}" in colours.split(",")


def test_assembler_chapter_has_no_c_view(client):
    assert "What gcc made of it" not in client.get("/chapters/G-033").get_data(as_text=True)
