"""A line-for-line Python model of the kernel's Documentation/lguest/extract (2.6.31), for tests only.

It keeps the shell script's quirks (greedy `sed` for the number, first-match `case`, the final line
without "\\n" that `while read` drops) and records, for every emitted line, the source line it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class ExtractAbort(Exception):
    """The script's `exit 1` on a repeated number ("... already exits prior to <file>")."""


@dataclass
class ExtractChunk:
    num: str  # the digit string, which is also the script's temp file name
    file: str
    # (source line number or None for the blank lines the script adds itself, emitted text)
    emitted: list[tuple[int | None, str]] = field(default_factory=list)

    def source_lines(self) -> list[int]:
        return [n for n, _ in self.emitted if n is not None]


def extract(letter: str, files: list[tuple[str, str]]) -> list[ExtractChunk]:
    """`extract LETTER file...`: the chunks in the order the script prints them (by number string)."""
    chunks: dict[str, ExtractChunk] = {}
    starts_and_closes = re.compile(rf"{letter}:[0-9].*:\*")  # case pattern *L:[0-9]*:\**
    starts = re.compile(rf"{letter}:[0-9]")  # case pattern *L:[0-9]*
    for name, text in files:
        current: ExtractChunk | None = None  # None is the script's `exec 3>/dev/null`

        def emit(number: int | None, line: str) -> None:
            if current is not None:                      # noqa: B023 (the chunk open now, as the script's fd 3)
                current.emitted.append((number, line))   # noqa: B023

        # `while IFS=<newline> read -r LINE` keeps leading blanks and backslashes, and never
        # sees a last line that has no newline after it.
        for number, line in enumerate(text.split("\n")[:-1], start=1):
            if starts_and_closes.search(line) or starts.search(line):
                num = re.sub(rf"^.*{letter}:([0-9]*).*$", r"\1", line)  # sed is greedy: the last L:
                if num in chunks:
                    raise ExtractAbort(f"{num} already exits prior to {name}")
                current = chunks[num] = ExtractChunk(num, name)
                out = re.sub(rf"{letter}:[0-9]*", "", line, count=1)
                if starts_and_closes.search(line):
                    out = out.replace(":*", "*", 1)
                emit(number, out)
            elif ":*" in line:
                emit(number, line.replace(":*", "*", 1).replace("/**/", "", 1))
                emit(None, "")
                current = None
            else:
                emit(number, line)
        emit(None, "")
        current = None
    return [chunks[num] for num in sorted(chunks)]
