"""Turns one source file's text into Chapters (prose, code lines, inline notes) and line roles.

Combines markers.find_chunks (extents) with comments.lex (what each line is); reads no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import ContentError
from .comments import Comment, Lexed, comment_pieces, dialect_of, lex, paragraphs_of, text_of
from .markers import MARKER, Chunk, find_chunks, split_lines
from .model import Chapter, InlineNote, LineRole


@dataclass(frozen=True)
class ParsedFile:
    """Everything parsed from one file. `chapters` may hold duplicates; the library decides which stand."""

    file: str
    lines: tuple[str, ...]
    lexed: Lexed
    chapters: tuple[Chapter, ...]  # file order
    errors: tuple[ContentError, ...]
    # (chapter start line, last line of its opening commentary), one pair per entry of `chapters`
    commentary_ends: tuple[tuple[int, int], ...]


def parse_source(text: str, file: str, version: str) -> ParsedFile:
    lines = tuple(split_lines(text))
    lexed = lex(lines, dialect_of(file))
    chunks, errors = find_chunks(lines, file)
    built = [_chapter(chunk, lines, lexed, file, version) for chunk in chunks]
    chapters = tuple(chapter for chapter, _ in built)
    commentary_ends = tuple((chapter.start_line, last) for chapter, last in built)
    return ParsedFile(file, lines, lexed, chapters, errors, commentary_ends)


def _is_empty(lines: Sequence[str], comment: Comment) -> bool:
    """A comment without words, such as the `/*:*/` that closes a chapter, or extract's `/**/`."""
    return not "".join(comment_pieces(lines, comment, comment.start_line, comment.end_line)).strip(" \t*:")


def _opening_comment(chunk: Chunk, lexed: Lexed) -> Comment | None:
    for comment in lexed.comments:
        if comment.contains(chunk.start_line, chunk.marker_col):
            return comment
    return None


def _chapter(chunk: Chunk, lines: Sequence[str], lexed: Lexed, file: str, version: str) -> tuple[Chapter, int]:
    """The Chapter and the last line of its opening commentary."""
    start, end = chunk.start_line, chunk.end_line
    opening = _opening_comment(chunk, lexed)
    marker = MARKER.match(lines[start - 1], chunk.marker_col)
    assert marker is not None                   # the chunk was found by this pattern at this column
    marker_end = marker.end()
    if opening is None:
        # A marker outside any /* */ comment: the rest of its line is all the prose there is.
        paragraphs = paragraphs_of([lines[start - 1][marker_end:]])
        commentary_end = start
    else:
        commentary_end = min(opening.end_line, end)
        paragraphs = paragraphs_of(comment_pieces(lines, opening, start, commentary_end, cut_before=marker_end))
    code_lines = tuple(n for n in range(start, end + 1) if lexed.code_at(n))
    chapter = Chapter(
        id=chunk.id,
        stage=chunk.letter,
        number=chunk.number,
        version=version,
        file=file,
        start_line=start,
        end_line=end,
        text=text_of(paragraphs),
        code_lines=code_lines,
        notes=_notes(chunk, opening, lines, lexed),
        paragraphs=paragraphs,
    )
    return chapter, commentary_end


def _notes(chunk: Chunk, opening: Comment | None, lines: Sequence[str], lexed: Lexed) -> tuple[InlineNote, ...]:
    start, end = chunk.start_line, chunk.end_line
    notes: list[InlineNote] = []
    for comment in lexed.comments:
        if comment is opening or not start <= comment.start_line <= end or _is_empty(lines, comment):
            continue
        last = min(comment.end_line, end)
        # A comment after code, on code lines only (`.byte 0x0f,0x01,0xc1 /* KVM_HYPERCALL */`),
        # is part of that code, not a note about the code below it.
        after_code = lines[comment.start_line - 1][: comment.opener_col].strip() != ""
        if after_code and all(lexed.code_at(n) for n in range(comment.start_line, last + 1)):
            continue
        paragraphs = paragraphs_of(comment_pieces(lines, comment, comment.start_line, last))
        applies_to = next((n for n in range(last, end + 1) if lexed.code_at(n)), None)
        if applies_to == comment.start_line and comment.start_line != last:
            applies_to = next((n for n in range(last + 1, end + 1) if lexed.code_at(n)), None)
        notes.append(InlineNote(comment.start_line, last, text_of(paragraphs), applies_to))
    return tuple(notes)


def line_roles(parsed: ParsedFile, chapters: Iterable[Chapter] | None = None) -> tuple[LineRole, ...]:
    """Owner and role of every line, 1..len(lines), for the source view.

    `chapters` defaults to all the file's chapters; the library passes only those that stand, so a
    rejected duplicate's lines belong to no chapter.
    """
    lines, lexed = parsed.lines, parsed.lexed
    commentary_ends = dict(parsed.commentary_ends)
    owner: dict[int, Chapter] = {}
    for each in parsed.chapters if chapters is None else chapters:
        for n in each.lines:
            owner[n] = each
    covering: dict[int, Comment] = {}
    for each_comment in lexed.comments:
        for n in range(each_comment.start_line, each_comment.end_line + 1):
            covering.setdefault(n, each_comment)
    roles = []
    for n in range(1, len(lines) + 1):
        chapter = owner.get(n)
        if lexed.code_at(n):
            role = "code"
        elif chapter is not None and n <= commentary_ends[chapter.start_line]:
            role = "commentary"
        elif not lines[n - 1].strip():
            role = "blank"
        elif chapter is None:
            role = "comment"
        else:
            comment = covering.get(n)
            role = "delimiter" if comment is not None and _is_empty(lines, comment) else "note"
        roles.append(LineRole(n, chapter.id if chapter else None, role))
    return tuple(roles)
