"""Where chapters start and end in one file, by the rules of the kernel's Documentation/lguest/extract.

Works on line ranges only (no prose, no comments) and reports bad markers as ContentError values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ContentError
from .model import STAGES

# extract's `case` patterns are shell globs: `*G:[0-9]*` matches "G:" plus a digit anywhere on
# the line, and `*:\**` matches ":*" anywhere. We test all seven letters in one pass.
MARKER = re.compile(rf"(?P<letter>[{''.join(STAGES)}]):(?P<digits>[0-9]+)")
CLOSE = ":*"
# A comment opener that names a Journey letter but no number: surely a typo'd marker. Only the
# exact `/*G:` shape counts, so "x ? a : b" or "%ss:" in ordinary code are never flagged.
MALFORMED = re.compile(rf"/\*(?P<letter>[{''.join(STAGES)}]):(?![0-9])")


@dataclass(frozen=True)
class Chunk:
    """A chapter's extent: `marker_col` is where `G:033` starts on the marker line (0-based)."""

    id: str
    letter: str
    digits: str
    start_line: int
    end_line: int
    marker_col: int
    ended_by: str  # "close" (a `:*` line), "marker" (the next chapter), "stop" (bad marker), "eof"
    # Unless closed by a `:*` line, a chunk's trailing blank lines are left out of its range.

    @property
    def number(self) -> int:
        return int(self.digits)


def content_error(file: str, line: int | None, what: str) -> ContentError:
    where = f"{file}:{line}" if line is not None else file
    return ContentError(f"{where}: {what}", detail={"file": file, "line": line})


def split_lines(text: str) -> list[str]:
    """Lines as the shell's `read` sees them: split on "\\n" only, a CR of CRLF dropped.

    str.splitlines() would also split on form feeds and other separators, which kernel C files
    contain, and shift every line number after them.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def find_chunks(lines: Sequence[str], file: str) -> tuple[tuple[Chunk, ...], tuple[ContentError, ...]]:
    """Chunks in file order plus the errors found; duplicates are left to the caller (they span files)."""
    chunks: list[Chunk] = []
    errors: list[ContentError] = []
    open_chunk: dict | None = None

    def finish(end_line: int, ended_by: str) -> None:
        nonlocal open_chunk
        if open_chunk is not None:
            if ended_by != "close":
                # extract also hands the blank lines before the next marker to the open chunk; they
                # carry nothing, and the Journey's line ranges (G:020 is 8-41, not 8-42) stop at the
                # last line with text, leaving the gap to no chapter.
                while end_line > open_chunk["start_line"] and not lines[end_line - 1].strip():
                    end_line -= 1
            chunks.append(Chunk(end_line=end_line, ended_by=ended_by, **open_chunk))
            open_chunk = None

    for number, line in enumerate(lines, start=1):
        markers = list(MARKER.finditer(line))
        if markers:
            ids = sorted({f"{m['letter']}:{m['digits']}" for m in markers})
            if len(ids) > 1:
                errors.append(content_error(file, number,
                                            f"more than one chapter marker on one line ({', '.join(ids)})"))
            # extract's sed takes the number after the last "LETTER:" on the line.
            marker = markers[-1]
            # Rules 1 and 2: a marker starts a chunk and ends the open one; a `:*` on the same
            # line (rule 1) does not close the chunk it starts.
            finish(number - 1, "marker")
            open_chunk = {
                "id": f"{marker['letter']}:{marker['digits']}",
                "letter": marker["letter"],
                "digits": marker["digits"],
                "start_line": number,
                "marker_col": marker.start(),
            }
            continue
        malformed = MALFORMED.search(line)
        if malformed:
            errors.append(
                content_error(file, number, f"chapter marker '/*{malformed['letter']}:' has no number")
            )
            # extract would carry on as if this were prose of the open chapter; ending it here keeps
            # the broken chapter's text from being shown as part of an unrelated one.
            finish(number - 1, "stop")
            continue
        if CLOSE in line:
            # Rule 3: the closing line belongs to the chapter it closes.
            finish(number, "close")
    # extract appends a blank line and closes the chunk at the end of every file.
    finish(len(lines), "eof")
    return tuple(chunks), tuple(errors)
