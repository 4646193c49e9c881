"""Finds the comments of a kernel source file and turns comment text into prose and pre paragraphs.

A small lexer, not a C parser (block comments; for C also `//` and string literals); knows no chapters.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Paragraph

# The ` * ` leader of kernel-style comment lines; `(?!/)` keeps the closing `*/` out of it.
_LEADER = re.compile(r"^[ \t]*\*(?!/) ?")
_FIRST_LEADER = re.compile(r"^\*+(?!/)")


@dataclass(frozen=True)
class Comment:
    """One comment; `spans` holds, per line, the (line, start, end) columns of its text between delimiters."""

    start_line: int
    end_line: int
    spans: tuple[tuple[int, int, int], ...]
    closed: bool  # False when the file ends inside the comment

    @property
    def opener_col(self) -> int:
        """Column of the `/*` (or `//`) that opens the comment on its first line."""
        return self.spans[0][1] - 2

    def contains(self, line: int, col: int) -> bool:
        """Is column `col` of `line` inside this comment's text (delimiters included)?"""
        for span_line, start, end in self.spans:
            if span_line == line:
                return start - 2 <= col < end + 2
        return False


@dataclass(frozen=True)
class Lexed:
    """The comments of a file plus, per line, whether it has anything outside comments."""

    comments: tuple[Comment, ...]
    has_code: tuple[bool, ...]  # index 0 is line 1

    def code_at(self, line: int) -> bool:
        return self.has_code[line - 1]


def dialect_of(file: str) -> str:
    return "c" if file.endswith((".c", ".h")) else "asm"


def lex(lines: Sequence[str], dialect: str) -> Lexed:
    comments: list[Comment] = []
    has_code = [False] * len(lines)
    in_block = False
    start_line = 0
    spans: list[tuple[int, int, int]] = []
    for number, line in enumerate(lines, start=1):
        i, n = 0, len(line)
        while i < n:
            if in_block:
                j = line.find("*/", i)
                if j < 0:
                    spans.append((number, i, n))
                    break
                spans.append((number, i, j))
                comments.append(Comment(start_line, number, tuple(spans), closed=True))
                in_block, i = False, j + 2
                continue
            if line.startswith("/*", i):
                in_block, start_line, spans, i = True, number, [], i + 2
                if i >= n:  # `/*` ends the line: the comment's first line has no text
                    spans.append((number, i, i))
                continue
            if dialect == "c" and line.startswith("//", i):
                comments.append(Comment(number, number, ((number, i + 2, n),), closed=True))
                break
            if not line[i].isspace():
                has_code[number - 1] = True
            if dialect == "c" and line[i] in "\"'":
                i = _skip_literal(line, i)
                continue
            i += 1
        else:
            if in_block and (not spans or spans[-1][0] != number):
                spans.append((number, n, n))  # an empty line inside a comment
    if in_block:
        comments.append(Comment(start_line, len(lines), tuple(spans), closed=False))
    return Lexed(tuple(comments), tuple(has_code))


def _skip_literal(line: str, i: int) -> int:
    """Index just past the string or char literal starting at `i` (or the line's end if unclosed)."""
    quote, i = line[i], i + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return len(line)


def comment_pieces(lines: Sequence[str], comment: Comment, first_line: int, last_line: int,
                   cut_before: int = 0) -> list[str]:
    """The comment's text on lines first_line..last_line; on first_line only text from `cut_before` on."""
    pieces: list[str] = []
    for line, start, end in comment.spans:
        if first_line <= line <= last_line:
            if line == first_line:
                start = max(start, cut_before)
            pieces.append(lines[line - 1][start:end])
    return pieces


def paragraphs_of(pieces: Sequence[str], leading_piece_is_first: bool = True) -> tuple[Paragraph, ...]:
    """Comment text lines (delimiters already cut) -> prose and preformatted paragraphs.

    The first piece follows `/*` (or the marker) directly, so only stray `*`s are stripped from it;
    later pieces lose their ` * ` leader. A line still indented after its leader (the "old address /
    old code segment" list of G:045) is kept as a `pre` line. A `:` left by a `:*/` close goes, as
    extract's `:*` -> `*` rewrite drops it.
    """
    kinds_and_text: list[tuple[str, str]] = []
    for index, piece in enumerate(pieces):
        if index == len(pieces) - 1 and piece.endswith(":"):
            piece = piece[:-1]
        if index == 0 and leading_piece_is_first:
            body = _FIRST_LEADER.sub("", piece.strip())
            indented = False
        else:
            leader = _LEADER.match(piece)
            body = piece[leader.end():] if leader else piece.lstrip()
            indented = bool(leader) and body[:1] in (" ", "\t")
        if not body.strip():
            kinds_and_text.append(("break", ""))
        else:
            kinds_and_text.append(("pre" if indented else "prose", body.rstrip()))
    result: list[Paragraph] = []
    group_kind = "break"
    group: list[str] = []
    for kind, text in kinds_and_text + [("break", "")]:
        if kind != group_kind and group:
            result.append(_paragraph(group_kind, group))
            group = []
        group_kind = kind
        if kind != "break":
            group.append(text)
    return tuple(result)


def _paragraph(kind: str, lines: list[str]) -> Paragraph:
    if kind == "pre":
        return Paragraph("pre", textwrap.dedent("\n".join(line.expandtabs(8) for line in lines)))
    return Paragraph("prose", " ".join(" ".join(lines).split()))


def text_of(paragraphs: Sequence[Paragraph]) -> str:
    return "\n\n".join(p.text for p in paragraphs)
