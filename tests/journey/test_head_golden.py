"""The chapters of the real kernel text at 2.6.31 (i386_head.S against docs/lguest-facts.md §9), and all 137 against a golden file.

Regenerate the golden JSON after an intended change with:

    JOURNEY_REGEN_GOLDEN=1 .venv/bin/pytest tests/journey/test_head_golden.py

The test then rewrites tests/golden/chapters-2.6.31.json instead of comparing and reports itself
skipped (so a run with the flag never passes silently); review the diff and commit it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import HEAD, KERNEL

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / f"chapters-{KERNEL}.json"


def head_chapters(chapters):
    return [c for c in chapters if c.file == HEAD]


def test_chapter_line_ranges(bundled):
    ranges = {c.id: (c.start_line, c.end_line) for c in head_chapters(bundled.chapters(KERNEL))}

    assert ranges == {"G:020": (8, 41), "G:055": (43, 54), "G:033": (56, 129), "M:004": (135, 148), "G:045": (150, 191)}


def test_noirq_globals_belong_to_no_chapter(bundled):
    roles = bundled.line_roles(KERNEL, HEAD)

    assert [roles[n - 1].chapter for n in range(130, 135)] == [None] * 5


def test_noirq_globals_are_code(bundled):
    roles = bundled.line_roles(KERNEL, HEAD)

    assert [roles[n - 1].role for n in (132, 133)] == ["code", "code"]


def test_journey_order(bundled):
    assert [c.id for c in head_chapters(bundled.chapters(KERNEL))] == ["G:020", "G:033", "G:045", "G:055", "M:004"]


def test_file_order(bundled):
    assert [c.id for c in head_chapters(bundled.chapters_in_file_order(KERNEL))] == ["G:020", "G:055", "G:033", "M:004", "G:045"]


def test_the_head_file_holds_five_chapters(bundled):
    assert len(head_chapters(bundled.chapters(KERNEL))) == 5


def test_no_content_errors(bundled):
    assert bundled.errors(KERNEL) == []


def test_g033_text_is_about_enabling_interrupts(bundled):
    chapter = bundled.chapter(KERNEL, "G:033")

    assert "the routine to enable interrupts:" in chapter.text


def test_g045_keeps_the_stack_list_as_preformatted(bundled):
    chapter = bundled.chapter(KERNEL, "G:045")

    pre = [p.text for p in chapter.paragraphs if p.kind == "pre"]

    assert pre == ['old address\nold code segment & privilege level\nold processor flags ("eflags")']


def test_m004_text_has_no_close_marker(bundled):
    chapter = bundled.chapter(KERNEL, "M:004")

    assert chapter.text.endswith("we'll never get to this iret!")


def test_g033_note_before_the_irq_pending_test(bundled):
    chapter = bundled.chapter(KERNEL, "G:033")

    [note] = [n for n in chapter.notes if n.start_line == 72]

    assert (note.end_line, note.applies_to) == (77, 78)


def test_g033_irq_pending_test_line_is_code(bundled, head_text):
    chapter = bundled.chapter(KERNEL, "G:033")

    assert (78 in chapter.code_lines, head_text.splitlines()[77].strip()) == (
        True,
        "testl $0, lguest_data+LGUEST_DATA_irq_pending",
    )


def test_g033_notes_in_order(bundled):
    chapter = bundled.chapter(KERNEL, "G:033")

    assert [n.start_line for n in chapter.notes] == [67, 72, 80, 87, 99, 105, 109, 115, 117, 127]


def test_g033_close_line_is_a_delimiter_not_a_note(bundled):
    roles = bundled.line_roles(KERNEL, HEAD)

    assert roles[128].role == "delimiter"


def test_trailing_hypercall_comment_is_not_a_note(bundled):
    chapter = bundled.chapter(KERNEL, "G:020")

    assert (35 in chapter.code_lines, [n.start_line for n in chapter.notes]) == (True, [29, 37, 40])


def test_titles(bundled):
    chapters = {c.id: c for c in bundled.chapters(KERNEL)}

    # the short title comes from titles.toml beside the kernel text; the first sentence is kept too
    assert chapters["G:033"].title == "lg_irq_enable and lg_restore_fl: turning interrupts back on in assembly"
    assert chapters["G:033"].to_json()["first_sentence"].startswith("But using those wrappers is inefficient")


def test_all_chapters_match_golden_json(bundled):
    produced = [c.to_json() for c in bundled.chapters(KERNEL)]

    if os.environ.get("JOURNEY_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(produced, indent=2, ensure_ascii=False) + "\n")
        pytest.skip(f"regenerated {GOLDEN}; review the diff")

    assert produced == json.loads(GOLDEN.read_text())
