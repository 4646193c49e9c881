"""Our chapters against a model of the kernel's extract script (extract_reference.py), docs/design.md §2.

What is compared, per chunk: (1) which source lines it holds, (2) the words of its opening comment,
(3) which of its lines hold code once comments are cut away. The script's `[ file ]` headers, its
`:*` -> `*` and `/**/` rewriting and its added blank lines are presentation and are left aside;
trailing blank lines of a chunk are dropped on the script's side, since our ranges stop at the
last line with text (G:020 is 8-41 in docs/lguest-facts.md §9, where the script also emits line 42).
"""

from __future__ import annotations

import random
import re

import pytest

from journey_app.journey import STAGES, Chapter, parse_source

from .conftest import KERNEL
from .extract_reference import ExtractAbort, ExtractChunk, extract

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def reference_lines(chunk: ExtractChunk, source: list[str]) -> list[int]:
    lines = chunk.source_lines()
    while lines and not source[lines[-1] - 1].strip():
        lines.pop()
    return lines


def reference_words(chunk: ExtractChunk) -> list[str]:
    """Words of the chunk's first comment as the script prints it: up to the first `*/`."""
    text = "\n".join(line for _, line in chunk.emitted)
    opening = text[: text.find("*/") + 2] if "*/" in text else text
    body = re.sub(r"^\s*\*(?!/)", "", opening.replace("/*", "", 1).replace("*/", ""), flags=re.MULTILINE)
    return body.split()


def reference_code_lines(chunk: ExtractChunk) -> list[int]:
    """Lines with text left after every /* ... */ is cut from the printed chunk (newlines kept)."""
    numbered = [(n, line) for n, line in chunk.emitted if n is not None]
    text = "\n".join(line for _, line in numbered)
    stripped = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text).split("\n")
    return [n for (n, _), rest in zip(numbered, stripped, strict=True) if rest.strip()]


def compare(files: dict[str, str]) -> list[str]:
    """Differences between our chapters and the script's chunks, as readable strings."""
    ours: dict[str, Chapter] = {}
    for name, text in files.items():
        for chapter in parse_source(text, name, KERNEL).chapters:
            ours[chapter.id] = chapter
    problems: list[str] = []
    for letter in STAGES:
        chunks = extract(letter, list(files.items()))
        mine = sorted(c.id for c in ours.values() if c.stage == letter)
        theirs = sorted(f"{letter}:{c.num}" for c in chunks)
        if mine != theirs:
            problems.append(f"{letter}: ours {mine} script {theirs}")
            continue
        for chunk in chunks:
            chapter = ours[f"{letter}:{chunk.num}"]
            source = files[chunk.file].split("\n")
            checks = {
                "file": (chapter.file, chunk.file),
                "lines": (list(chapter.lines), reference_lines(chunk, source)),
                "words": (chapter.text.split(), reference_words(chunk)),
                "code": (list(chapter.code_lines), reference_code_lines(chunk)),
            }
            problems += [f"{chapter.id} {what}: ours {a} script {b}" for what, (a, b) in checks.items() if a != b]
    return problems


def test_reference_prints_g020_as_the_script_does(head_text):
    [chunk] = [c for c in extract("G", [("i386_head.S", head_text)]) if c.num == "020"]

    # Ended by the next marker: the blank line 42 is the script's too, but it adds no blank of its own.
    assert (chunk.emitted[0], chunk.emitted[-2:]) == ((8, "/*"), [(41, "\tjmp lguest_init+__PAGE_OFFSET"), (42, "")])


def test_reference_rewrites_the_close(head_text):
    [chunk] = extract("M", [("i386_head.S", head_text)])

    assert chunk.emitted[-2:] == [(148, "*/"), (None, "")]


def test_reference_aborts_on_a_repeated_number():
    with pytest.raises(ExtractAbort):
        extract("G", [("a.S", "/*G:010\n"), ("b.S", "/*G:010\n")])


def test_bundled_head_file_matches_extract(bundled):
    files = {f: bundled.source(KERNEL, f) for f in bundled.files(KERNEL)}

    assert compare(files) == []


def test_compare_reports_where_we_differ_from_the_script():
    # The one place we part from extract on purpose: it runs one letter at a time, so an M marker
    # does not end an open G chunk there, while here every Journey marker ends the open chapter
    # (a line has one owner). The comparison must see that, or it could never fail.
    files = {"a.S": "/*G:010\n * prose\n */\n\tret\n/*M:001\n * m\n */\n\tnop\n"}

    assert compare(files) == ["G:010 lines: ours [1, 2, 3, 4] script [1, 2, 3, 4, 5, 6, 7, 8]",
                              "G:010 code: ours [4] script [4, 8]"]


# -- random files built from the line shapes of real lguest sources ------------------------------

_WORDS = ["the", "guest", "host", "interrupt", "eflags", "stack", "we", "iret", "register", "page"]


def _prose(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6)))


def _block(rng: random.Random, numbers: list[int]) -> list[str]:
    kind = rng.choice(["open", "open_close", "one_line", "code", "note", "long_note", "blank", "close",
                       "trailing", "lookalike", "pre"])
    if kind in ("open", "open_close", "one_line", "pre"):
        if not numbers:
            return ["\tnop"]
        marker = f"G:{numbers.pop():03d}"
        if kind == "one_line":
            return [f"/*{marker} {_prose(rng)} :*/"]
        body = [f" * {_prose(rng)}" for _ in range(rng.randint(0, 3))]
        if kind == "pre":
            body += [" *", f" *   {_prose(rng)}", f" *\t{_prose(rng)}"]
        return [f"/*{marker}"] + body + [":*/" if kind == "open_close" else " */"]
    return {
        "code": [f"\tmovl ${rng.randint(0, 9)}, %eax"],
        "note": [f"\t/* {_prose(rng)} */"],
        "long_note": ["\t/*", f"\t * {_prose(rng)}", "\t */"],
        "blank": [""],
        "close": ["/*:*/"],
        "trailing": [f"\t.byte 0x0f /* {_prose(rng)} */"],
        "lookalike": ["\tmovl %eax,%ss:lguest_data", "/* S: the stack */"],
    }[kind]


@pytest.mark.parametrize("seed", range(200))
def test_random_files_match_extract(seed):
    rng = random.Random(seed)
    numbers = rng.sample(range(1000), 12)
    lines: list[str] = []
    for _ in range(rng.randint(1, 30)):
        lines += _block(rng, numbers)

    assert compare({"r.S": "\n".join(lines) + "\n"}) == []
