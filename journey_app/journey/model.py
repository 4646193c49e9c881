"""The values the journey package hands to other layers: Chapter, Paragraph, InlineNote, LineRole.

Frozen dataclasses with `to_json()` and the two orders (Journey, file); no parsing or file access here.
"""

from __future__ import annotations

import dataclasses

import re
from dataclasses import dataclass

# The seven parts of the kernel's tour, in the order `make Beer` in drivers/lguest/Makefile
# runs them; the Journey order sorts by this position first, then by number.
STAGES: dict[str, str] = {
    "P": "Preparation",
    "G": "Guest",
    "D": "Drivers",
    "L": "Launcher",
    "H": "Host",
    "S": "Switcher",
    "M": "Mastery",
}
STAGE_ORDER: dict[str, int] = {letter: index for index, letter in enumerate(STAGES)}

TITLE_LIMIT = 80

# Sentence ends: . ! ? followed by whitespace or the end. The kernel's comments use "ie." and
# "eg." mid-sentence, so those (and friends) are not treated as sentence ends.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_ABBREVIATIONS = ("ie", "eg", "i.e", "e.g", "etc", "vs", "cf")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of commentary: `prose` is reflowed text, `pre` keeps its lines (indented lists)."""

    kind: str  # "prose" | "pre"
    text: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class InlineNote:
    """A plain /* ... */ comment inside a chapter, after its opening commentary."""

    start_line: int
    end_line: int
    text: str
    applies_to: int | None  # the first code line after the note, within the chapter

    def to_json(self) -> dict:
        return {
            "start_line": self.start_line,
            "end_line": self.end_line,
            "text": self.text,
            "applies_to": self.applies_to,
        }


@dataclass(frozen=True, kw_only=True)
class Chapter:
    """One chunk of the Journey: the lines from its marker to its close, with the prose split out."""

    id: str  # "G:033": letter + the digits exactly as the source writes them
    stage: str  # "G"
    number: int  # 33
    version: str
    file: str  # relative to the version folder, "/"-separated
    start_line: int  # 1-based, the marker line
    end_line: int  # 1-based, inclusive: the last line the chapter owns
    text: str  # the paragraphs' text joined by blank lines
    code_lines: tuple[int, ...]
    notes: tuple[InlineNote, ...]
    paragraphs: tuple[Paragraph, ...] = ()
    heading: str | None = None  # a short title from titles.toml (content metadata), when the content has one

    @property
    def slug(self) -> str:
        return self.id.replace(":", "-")

    @property
    def stage_name(self) -> str:
        return STAGES[self.stage]

    @property
    def lines(self) -> range:
        return range(self.start_line, self.end_line + 1)

    @property
    def title(self) -> str:
        if self.heading:
            return self.heading
        for paragraph in self.paragraphs:
            if paragraph.kind == "prose" and paragraph.text:
                return _title_from(paragraph.text)
        return f"{self.stage_name} {self.id}"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "slug": self.slug,
            "stage": self.stage,
            "stage_name": self.stage_name,
            "number": self.number,
            "version": self.version,
            "file": self.file,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "title": self.title,
            "first_sentence": dataclasses.replace(self, heading=None).title if self.heading else self.title,
            "text": self.text,
            "paragraphs": [p.to_json() for p in self.paragraphs],
            "code_lines": list(self.code_lines),
            "notes": [n.to_json() for n in self.notes],
        }


# Roles a source line can have in the source view.
ROLES = ("commentary", "note", "code", "blank", "delimiter", "comment")


@dataclass(frozen=True)
class LineRole:
    """Who owns one source line and what it is: `chapter` is an id or None (between chapters).

    Roles: commentary (the chapter's opening prose), note (an inline comment), code, blank,
    delimiter (a comment without words inside a chapter, such as the `/*:*/` close), comment
    (a comment outside every chapter).
    """

    line: int
    chapter: str | None
    role: str

    def to_json(self) -> dict:
        return {"line": self.line, "chapter": self.chapter, "role": self.role}


def journey_order_key(chapter: Chapter) -> tuple:
    return (STAGE_ORDER[chapter.stage], chapter.number, chapter.file, chapter.start_line)


def file_order_key(chapter: Chapter) -> tuple:
    return (chapter.file, chapter.start_line)


def _first_sentence(text: str) -> str:
    for match in _SENTENCE_END.finditer(text):
        before = text[: match.start()]
        word = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
        if match.group() == "." and word.lstrip("(\"'") in _ABBREVIATIONS:
            continue
        # Keep ! and ?, they carry tone; a title does not need its full stop.
        return text[: match.end()] if match.group() != "." else before
    return text


def _title_from(text: str) -> str:
    sentence = " ".join(_first_sentence(text).split())
    if len(sentence) <= TITLE_LIMIT:
        return sentence
    cut = sentence[: TITLE_LIMIT - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
