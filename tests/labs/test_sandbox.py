"""The edit-and-run sandbox: hostile edits are refused on the student's line before any tool runs;
tool errors come back on the student's line; good edits build with the real toolchain, cached by hash."""

from __future__ import annotations

import time

import pytest

from journey_app.errors import BuildError, SandboxRefused, TooLarge
from journey_app.labs import Submission
from journey_app.toolchain.sandbox import SandboxPolicy, apply_edits, build_edited, map_messages

from .conftest import HEAD, KERNEL

FIX = "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"
EDITABLE = list(range(67, 86))  # the body of lg_irq_enable


def build(catalog, edits, allowed=EDITABLE, **policy):
    return build_edited(catalog, KERNEL, HEAD, edits, allowed, SandboxPolicy(**policy))


@pytest.mark.parametrize("text, words", [
    ('\t.incbin "/etc/passwd"', ".incbin is not allowed"),
    ('\t.byte 1, "/etc/passwd"', "not part of the GAS subset"),
    ("\t.INCBIN x", ".incbin is not allowed"),
    ("\t.include x", ".include is not allowed"),
    ('#include "/etc/passwd"', "may not start with '#'"),
    ("/**/#include </etc/passwd>", "may not start with '#'"),
    ("#define LHCALL_SEND_INTERRUPTS 1", "may not start with '#'"),
    ("\t.rept 100000000", ".rept repeats 100000000 times"),
    ("\t.rept 1 << 30", "must be one plain number"),
    ("\t.fill 0x10000000, 8, 0", "at most 65536 are allowed"),
    ("\t.skip 100000000", "at most 65536 are allowed"),
    ("\t.space 65537", "at most 65536 are allowed"),
    ("\t.fill 08", "octal"),
    ("\t.org 0x40000000", ".org is not allowed"),
    ("\t.p2align 30", "aligns to more than"),
    ("\t.macro again; again; .endm", ".macro is not allowed"),
    ("\t.section .evil", ".section is not allowed"),
    ("\t.file 1", ".file is not allowed"),
    ("\t. = . + 0x100000", "'=' at column"),
    ("\tmovl $0, %eax \\", "not part of the GAS subset"),
    ("\tnop\x1b[2J", "not printable ASCII"),
    ("\tnop \u00e9", "not printable ASCII"),
    ("\tnop\n\t.incbin \"x\"", "one line per edit"),
    ("\t_Pragma(x)", "not an i386 instruction"),
    ("\tC(.sk,ip) 15000000, 1", "not an i386 instruction"),
    ("\tENTRY(foo)", "macro with arguments"),
    ("\t*/ nop /*", "must be closed"),
    ("\tnop;" * 60, "characters long"),
    ("\tnop; .fill", ".fill takes repeat"),
    ("\t.byte 1,,2", ".byte has an empty operand"),
])
def test_hostile_line_refused_on_its_line(catalog, text, words):
    started = time.monotonic()
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(78, text)])
    assert info.value.detail["line"] == 78
    assert words in info.value.detail["reason"]
    assert info.value.code == "sandbox_refused"
    assert time.monotonic() - started < 1.0  # refused before any tool ran


def test_nested_repeats_refused(catalog):
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(78, "\t.rept 64"), (79, "\t.rept 64"), (80, "\t.endr"), (81, "\t.endr")])
    assert info.value.detail["line"] == 79
    assert "nested" in info.value.detail["reason"]


def test_repeat_must_close_in_the_next_edited_lines(catalog):
    # otherwise shipped lines between would be repeated too
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(78, "\t.rept 4"), (81, "\t.endr")])
    assert info.value.detail["line"] == 78
    assert "right after it" in info.value.detail["reason"]


def test_unclosed_repeat_refused(catalog):
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(78, "\t.rept 4")])
    assert info.value.detail["line"] == 78
    assert "not closed" in info.value.detail["reason"]


def test_repeated_fill_counts_against_the_byte_budget(catalog):
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(78, "\t.rept 64"), (79, "\t.fill 2048, 1, 0x90"), (80, "\t.endr")])
    assert info.value.detail["line"] == 79


def test_line_outside_the_lab_refused(catalog):
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(188, "\tmovl %eax, lguest_data")])
    assert info.value.detail["line"] == 188
    assert "may not be edited" in info.value.detail["reason"]
    assert "67-85" in info.value.detail["reason"]


def test_too_many_edited_lines_refused(catalog):
    edits = [(n, "\tnop") for n in range(67, 77)]
    with pytest.raises(SandboxRefused) as info:
        build(catalog, edits, max_edited_lines=4)
    assert "at most 4" in info.value.detail["reason"]


def test_ten_megabyte_submission_refused_before_parsing():
    huge = '{"edits": [{"line": 78, "text": "' + "A" * (10 * 1024 * 1024) + '"}]}'
    with pytest.raises(TooLarge):
        Submission.from_text(huge)


def test_ten_megabyte_edit_refused_by_the_sandbox_too(catalog):
    with pytest.raises(SandboxRefused) as info:
        build(catalog, [(78, "\tnop;" * (2 * 1024 * 1024))])
    assert "limit is 65536" in info.value.detail["reason"]


def test_assembler_error_maps_to_the_student_line(catalog):
    with pytest.raises(BuildError) as info:
        build(catalog, [(78, "\tmovl %eax")])
    first = info.value.detail["lines"][0]
    assert first == {"line": 78, "message": "Error: number of operands mismatch for `mov'", "yours": True}
    assert info.value.message.startswith("the edited source does not build: line 78:")
    assert not isinstance(info.value, SandboxRefused)


def test_linker_error_maps_to_the_student_line(catalog):
    with pytest.raises(BuildError) as info:
        build(catalog, [(79, "\tjnz nowhere_at_all")])
    first = info.value.detail["lines"][0]
    assert first["line"] == 79 and first["yours"]
    assert "undefined reference to `nowhere_at_all'" in first["message"]


@pytest.mark.parametrize("text, words", [
    # ld adds warnings and notes about the glue objects beside the one real error
    ("\ttestl $0, nowhere_at_all", "undefined reference to `nowhere_at_all'"),
    # GAS names no line for an undefined local label, only the scratch copy it read
    ("\tjnz 1f", "Error: local label `\"1\" (instance number 1 of a fb label)' is not defined"),
])
def test_one_bad_edit_is_one_error_on_its_line(catalog, text, words):
    with pytest.raises(BuildError) as info:
        build(catalog, [(78, text)])
    assert info.value.detail["lines"] == [{"line": 78, "message": words, "yours": True}]
    assert info.value.message == f"the edited source does not build: line 78: {words}"


def test_tool_messages_drop_notes_scratch_paths_and_repeats():
    messages = ["obj/00-i386_head.s: Assembler messages:",
                f"{HEAD}:78: Error: junk at end of line", f"{HEAD}:78: Error: junk at end of line",
                "obj/00-i386_head.s: Error: local label `1' is not defined",
                "ld: warning: obj/03-scenario.o: missing .note.GNU-stack section implies executable stack",
                "ld: NOTE: This behaviour is deprecated and will be removed in a future version of the linker",
                "glue/scenario.S:12: Error: about a shipped file"]
    assert map_messages(messages, HEAD, [78, 80]) == [
        {"line": 78, "message": "Error: junk at end of line", "yours": True},
        {"line": None, "message": "Error: local label `1' is not defined", "yours": False}]


def test_the_fix_builds_with_the_cmpl_encoding(catalog):
    fixed = build(catalog, [(78, FIX)])
    line = fixed.lines(HEAD)[78]
    data_irq_pending = fixed.symbols["lguest_data"].address + 20
    assert line.data == bytes([0x83, 0x3D]) + data_irq_pending.to_bytes(4, "little") + b"\x00"
    assert fixed.input_hash != catalog.build(KERNEL).input_hash


def test_builds_are_cached_by_input_hash(catalog):
    first = build(catalog, [(78, FIX + " ")])
    started = time.monotonic()
    second = build(catalog, [(78, FIX + " ")])
    assert second is first
    assert time.monotonic() - started < 0.05


def test_unchanged_lines_are_not_counted_as_edits():
    original = "a\nb\nc\n"
    edited = apply_edits("f.S", original, [(1, "a"), (2, "\tnop")], [1, 2])
    assert edited.edited == (2,)
    assert edited.text == b"a\n\tnop\nc\n"
    assert edited.assembled == {2: "\tnop"}


def test_output_size_is_bounded(catalog):
    # 60 KiB of .fill passes the line rules; a tight image bound then refuses the result
    edits = [(78, "\t.fill 30000, 1, 0x90"), (79, "\t.fill 30000, 1, 0x90")]
    with pytest.raises(SandboxRefused) as info:
        build(catalog, edits, max_image_growth=16 * 1024)
    assert "grow the guest image" in info.value.detail["reason"]
