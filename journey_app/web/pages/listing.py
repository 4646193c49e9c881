"""Source listings for the pages: every line of a file with its highlighting, role, chapter,
address, bytes and instructions, grouped into blocks for a chapter. A view model; no routes here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, url_for
from markupsafe import Markup

from ...caches import BoundedCache
from ...errors import JourneyError
from ...journey import Chapter, InlineNote
from ...toolchain import Build, LineCode
from ..infra.context import catalog, content_index
from .highlight import comment_line_html, highlight_lines, split_source
from .linking import link_code

CACHE_KEY = "journey.pages.listings"
LISTING_BYTES = 8 << 20

# A line that defines a label (`send_interrupts:`) or an ENTRY(name): the build knows its address
# even when the line itself made no bytes.
_LABEL = re.compile(r"^\s*([A-Za-z_.$][\w.$]*):(?!:)")
_ENTRY = re.compile(r"\bENTRY\(\s*([A-Za-z_.$][\w.$]*)\s*\)")


# -- source listings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceLine:
    """One line of a source file as a page shows it: text, colours, role, and what it assembled to."""

    line: int
    text: str
    html: Markup
    role: str  # commentary | note | code | blank | delimiter | comment (journey.model.ROLES)
    chapter: str | None
    code: LineCode | None  # address, size, data, insns
    label: str | None
    label_address: int | None

    @property
    def address(self) -> int | None:
        return self.code.address if self.code is not None else None

    @property
    def anchor_address(self) -> int | None:
        """Where the line sits in memory: its first byte, or the label it defines."""
        return self.address if self.address is not None else self.label_address

    @property
    def bytes_text(self) -> str:
        return self.code.data.hex(" ") if self.code is not None else ""

    @property
    def insns_text(self) -> str:
        return "; ".join(insn.text for insn in self.code.insns) if self.code is not None else ""

    def to_json(self, note: dict | None = None) -> dict:
        code = self.code
        return {
            "line": self.line,
            "text": self.text,
            "role": self.role,
            "chapter": self.chapter,
            "address": code.address if code is not None else None,
            "size": code.size if code is not None else 0,
            "bytes": self.bytes_text,
            "insns": [insn.to_json() for insn in code.insns] if code is not None else [],
            "label": None if self.label is None else {"name": self.label, "address": self.label_address},
            "note": note,
        }


def listing_cache() -> BoundedCache[tuple, tuple[SourceLine, ...]]:
    """Per-app memo of highlighted, byte-annotated files keyed by (version, file, build hash, text); a
    listing may take half the budget (a long C file is a few MiB of SourceLines)."""
    return BoundedCache("web.listings", LISTING_BYTES, oversize=2)




@dataclass(frozen=True)
class Listing:
    version: str
    file: str
    lines: tuple[SourceLine, ...]
    build: Build | None  # None when it could not be made
    build_error: JourneyError | None
    key: tuple = ()  # what the lines were made from (text, build, index): pages made of them key on it

    @property
    def assembled(self) -> bool:
        """True when the build placed any of the file's lines in memory (the Guest's .S, not C text)."""
        return any(line.anchor_address is not None for line in self.lines)

    def span(self, first: int, last: int) -> tuple[SourceLine, ...]:
        return self.lines[first - 1:last]

    @property
    def assembler(self) -> str:
        """The tool's name for the listing's legend ("GNU as 2.40"; "gcc 12.2.0" for a C file), from the
        build's `--version` lines."""
        toolchain = (self.build.toolchain or {}) if self.build is not None else {}
        if self.file.endswith(".c"):
            match = re.match(r"gcc\b.*?(\d+(?:\.\d+)+)", toolchain.get("gcc", ""))
            return f"gcc {match.group(1)}" if match else "gcc"
        match = re.match(r"GNU assembler\b.*?(\d+(?:\.\d+)+)\s*$", toolchain.get("as", ""))
        return f"GNU as {match.group(1)}" if match else "the assembler"

    def build_json(self) -> dict | None:
        if self.build is None:
            return None
        return {"input_hash": self.build.input_hash, "origin": self.build.origin,
                "toolchain": self.build.toolchain}


def _build(version: str):
    """The version's Build, or the error that kept it from being made: pages still show the text."""
    try:
        return catalog().build(version), None
    except JourneyError as exc:
        current_app.logger.warning("no build for %s: %s", version, exc.message)
        return None, exc


def listing(version: str, file: str) -> Listing:
    library = catalog().library
    text = library.source(version, file)
    build, build_error = _build(version)
    index = content_index(version)
    names = index.xref.definitions if index is not None else {}
    key = (version, file, build.input_hash if build is not None else None, hash(text), len(text),
           index.content_hash if index is not None else None)
    # Every defined name in the code links to its cross-reference page (one url_for, then strings).
    ident_prefix = url_for("xref.ident", version=version, name="_").removesuffix("_")

    def make() -> tuple[SourceLine, ...]:
        roles = {r.line: r for r in library.line_roles(version, file)}
        html = [link_code(fragment, names, lambda name: ident_prefix + name)
                for fragment in highlight_lines(text, file)]
        codes = build.lines(file) if build is not None else {}
        symbols = build.symbols if build is not None else {}
        out = []
        for number, raw in enumerate(split_source(text), start=1):
            role = roles.get(number)
            kind = role.role if role is not None else "code"
            label = _label_of(raw, symbols) if kind == "code" else None
            # Inline notes are prose inside the code: their words get their own class so the
            # page can set them in the book face, as literate programs print their comments.
            shown = comment_line_html(raw) if kind == "note" else html[number - 1]
            out.append(SourceLine(number, raw, shown, kind, role.chapter if role else None,
                                  codes.get(number), label,
                                  symbols[label].address if label is not None else None))
        return tuple(out)

    lines = current_app.extensions[CACHE_KEY].get_or_make(key, make)
    return Listing(version, file, lines, build, build_error, key)


def _label_of(raw: str, symbols: dict) -> str | None:
    for pattern in (_LABEL, _ENTRY):
        match = pattern.search(raw)
        if match and match.group(1) in symbols:
            return match.group(1)
    return None


# -- how a chapter's lines are laid out ------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A run of lines shown together: `commentary` (folded, it is set as prose beside),
    `note` (an inline note and the code line it explains), or a single `line`."""

    kind: str
    lines: tuple[SourceLine, ...]
    note: InlineNote | None = None
    target: tuple[SourceLine, ...] = ()

    @property
    def first(self) -> int:
        return self.lines[0].line

    @property
    def last(self) -> int:
        return (self.target or self.lines)[-1].line


def chapter_blocks(chapter: Chapter, lines: tuple[SourceLine, ...]) -> list[Block]:
    notes = {note.start_line: note for note in chapter.notes}
    by_number = {line.line: line for line in lines}
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        note = notes.get(line.line)
        if line.role == "commentary":
            run = [line]
            while index + len(run) < len(lines) and lines[index + len(run)].role == "commentary":
                run.append(lines[index + len(run)])
            blocks.append(Block("commentary", tuple(run)))
            index += len(run)
        elif note is not None:
            own = tuple(by_number[n] for n in range(note.start_line, note.end_line + 1) if n in by_number)
            target: tuple[SourceLine, ...] = ()
            if note.applies_to is not None and note.applies_to > note.end_line:
                between = [by_number.get(n) for n in range(note.end_line + 1, note.applies_to)]
                # Only a note directly above its code (blank lines aside) is drawn joined to it.
                if all(b is not None and b.role == "blank" for b in between):
                    target = tuple(b for b in between if b is not None) + (by_number[note.applies_to],)
            blocks.append(Block("note", own, note, target))
            index += len(own) + len(target)
        else:
            blocks.append(Block("line", (line,)))
            index += 1
    return blocks


def notes_by_line(chapter: Chapter) -> dict[int, dict]:
    """For the JSON twin: each code line's note (several notes above one line are joined)."""
    out: dict[int, dict] = {}
    for note in chapter.notes:
        if note.applies_to is None:
            continue
        found = out.get(note.applies_to)
        if found is None:
            out[note.applies_to] = {"start_line": note.start_line, "end_line": note.end_line, "text": note.text}
        else:
            found.update(end_line=note.end_line, text=f"{found['text']}\n\n{note.text}")
    return out


# -- URLs and summaries ---------------------------------------------------------------------------
