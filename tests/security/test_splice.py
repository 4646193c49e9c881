"""Student lines never reach cpp, and the DWARF line map still points at the kernel file's own lines.

Real toolchain: the checked line is spliced into cpp's output of the shipped file, so `as -g` gives its
bytes line 78 of arch/x86/lguest/i386_head.S, and every other line keeps its own number."""

from __future__ import annotations

import pytest

from journey_app.catalog import Catalog
from journey_app.errors import SandboxRefused
from journey_app.settings import Settings
from journey_app.toolchain.sandbox import build_edited
from journey_app.toolchain.splice import PLACEHOLDER, splice

HEAD = "arch/x86/lguest/i386_head.S"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return Catalog(Settings(cache_dir=tmp_path_factory.mktemp("splice-cache")))


def edit(catalog, *edits):
    return build_edited(catalog, "2.6.31", HEAD, list(edits), None)


def test_an_edited_line_keeps_its_line_number_in_dwarf(catalog):
    shipped = catalog.build("2.6.31")
    # the same 10 bytes as the testl it replaces, so the alignment padding after it does not change
    edited = edit(catalog, (78, "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending; nop; nop; nop"))
    line = edited.lines(HEAD)[78]
    assert [i.mnemonic for i in line.insns] == ["cmpl", "nop", "nop", "nop"]
    assert edited.line_at(line.address).line == 78
    # every other code line of the file is still there with its own number, the same instructions
    before, after = shipped.lines(HEAD), edited.lines(HEAD)
    assert set(before) == set(after)
    for number in before:
        if number != 78:
            assert [i.mnemonic for i in before[number].insns] == [i.mnemonic for i in after[number].insns], number


def test_a_blank_line_can_become_code(catalog):
    assert catalog.library.source("2.6.31", HEAD).split("\n")[35].strip() == ""
    edited = edit(catalog, (36, "\tnop"))
    assert [i.mnemonic for i in edited.lines(HEAD)[36].insns] == ["nop"]


@pytest.mark.parametrize("line, where", [(60, "commentary of G:033"), (50, "inside the LGUEST_PATCH #define")])
def test_lines_cpp_does_not_pass_through_cannot_be_edited(catalog, line, where):
    with pytest.raises(SandboxRefused) as info:
        edit(catalog, (line, "\tnop"))
    assert "cannot be edited" in info.value.detail["reason"], where


def test_the_student_text_is_not_in_what_cpp_read(catalog, tmp_path):
    # the placeholder, not the text, is what cpp sees; a splice checks the linemarker context
    out = splice('# 77 "f.S"\n\tmovl %eax, %ebx\n' + PLACEHOLDER.format(78) + "\n", "f.S", {78: "\tnop"})
    assert out.split("\n")[2] == "\tnop"
    with pytest.raises(SandboxRefused):
        splice('# 70 "f.S"\n' + PLACEHOLDER.format(78) + "\n", "f.S", {78: "\tnop"})   # cpp put it on line 70
    with pytest.raises(SandboxRefused):
        splice('# 78 "f.S"\nfoo ' + PLACEHOLDER.format(78) + "\n", "f.S", {78: "\tnop"})   # inside an expansion


def test_reused_object_files_give_the_same_bytes(catalog, tmp_path):
    # the second edit reuses the glue's object files from the first; a fresh store builds everything
    edit(catalog, (78, "\tcmpl $5, lguest_data+LGUEST_DATA_irq_pending"))
    reused = edit(catalog, (78, "\tcmpl $6, lguest_data+LGUEST_DATA_irq_pending"))
    fresh = build_edited(Catalog(Settings(cache_dir=tmp_path / "fresh")), "2.6.31", HEAD,
                         [(78, "\tcmpl $6, lguest_data+LGUEST_DATA_irq_pending")], None)
    assert reused.elf == fresh.elf
