"""Every Host rule, hypercall and kill message cites kernel lines that exist and say what is claimed.

Oracles: the bundled kernel text, Universal Ctags' extent of each named function, and the chapter
parser's line ranges. The model's own source is read to find every rule, hypercall and kill_guest().
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from journey_app.host import citations, constants, interrupts
from journey_app.index.ctags import run_ctags
from journey_app.index.store import chapter_locator
from journey_app.journey import Library
from journey_app.settings import Settings

HOST_DIR = Path(citations.__file__).parent
LIBRARY = Library(Settings().content_root)
ALL = {**{f"rule {k}": v for k, v in citations.RULES.items()},
       **{f"hypercall {k}": v for k, v in citations.HYPERCALLS.items()},
       **{f"kill {k!r}": v for k, v in citations.KILLS.items()}}


@pytest.fixture(scope="module")
def extents():
    files = sorted({c.file for c in ALL.values()})
    found: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for d in run_ctags(LIBRARY.version_dir(citations.VERSION), files):
        if d.kind == "function":
            found.setdefault((d.file, d.name), []).append((d.line, d.end_line))
    return found


@pytest.mark.parametrize("what", sorted(ALL))
def test_citation_lies_inside_the_named_function(what, extents):
    c = ALL[what]
    lines = LIBRARY.source(citations.VERSION, c.file).split("\n")

    assert 1 <= c.first <= c.last <= len(lines)
    assert any(start <= c.first and c.last <= end for start, end in extents[(c.file, c.function)]), what


@pytest.mark.parametrize("what", sorted(ALL))
def test_citation_names_the_chapter_that_holds_its_lines(what):
    c = ALL[what]
    chapter_of = chapter_locator(LIBRARY.chapters(citations.VERSION))

    assert (chapter_of(c.file, c.first), chapter_of(c.file, c.last)) == (c.chapter, c.chapter), what


@pytest.mark.parametrize("fmt", sorted(citations.KILLS))
def test_kill_citation_holds_that_kill_guest_call(fmt):
    c = citations.KILLS[fmt]
    text = "\n".join(LIBRARY.source(citations.VERSION, c.file).split("\n")[c.first - 1:c.last])
    literal = '"' + fmt.replace("\n", "\\n") + '"'

    assert "kill_guest(" in text and literal in text


@pytest.mark.parametrize("name", sorted(citations.HYPERCALLS))
def test_hypercall_citation_holds_its_case(name):
    c = citations.HYPERCALLS[name]
    text = "\n".join(LIBRARY.source(citations.VERSION, c.file).split("\n")[c.first - 1:c.last])
    expected = {"unknown": "default:", "LHCALL_LGUEST_INIT": "initialize("}.get(name, f"case {name}")

    assert expected in text


def test_every_rule_decide_can_take_is_cited():
    rules = set(interrupts.CHAPTERS) | set(re.findall(r'rules\.append\("(\w+)"\)', (HOST_DIR / "interrupts.py").read_text()))

    assert rules <= set(citations.RULES)


def test_every_hypercall_is_cited():
    assert set(constants.LHCALL_NAMES.values()) <= set(citations.HYPERCALLS)


def test_every_kill_message_in_the_model_is_cited():
    calls = re.findall(r'\.kill\(f?"([^"{]*)', "".join(p.read_text() for p in HOST_DIR.glob("*.py")))
    missing = [text for text in calls if not any(fmt.startswith(text) for fmt in citations.KILLS)]

    assert calls and missing == []


@pytest.mark.parametrize("reason,fmt", [("Setting idt entry 300", "Setting idt entry %u"),
                                        ("Bad hypercall 99\n", "Bad hypercall %li\n"),
                                        ("CRASH: oops", "CRASH: %s"), ("Bad address 0x1000", "Bad address %#lx"),
                                        ("nothing the kernel says", None)])
def test_kill_reason_finds_its_format(reason, fmt):
    assert citations.kill_format(reason) == fmt
