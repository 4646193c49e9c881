"""The kernel's own reader: `Documentation/lguest/extract` and `make Beer`, byte for byte, in Python.

Owns the port of the shell script (one letter per pass, as the Makefile runs it) and the Makefile's
file list; works on bytes, runs no tools. Chapters for pages come from chapters.py, not from here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import ContentError
from .model import STAGES

# `make Beer` in drivers/lguest/Makefile runs the stages in this order; each target sets PREFIX to
# its letter (the "Preparation" target also answers to "Preparation!").
BEER_START = "{==- %s -==}\n"
BEER_END = "{==-==}\n"

# `find ../../* -name '*.[chS]' -wholename '*lguest*'`, run from drivers/lguest.
_FIND_NAME = re.compile(rb"\.[chS]$")
_MAKEFILE_DIR = "drivers/lguest"


def makefile_files(version_dir: Path) -> list[str]:
    """The files `make <Stage>` hands to extract, as paths relative to the version folder, sorted.

    `../../*` skips dot-entries at the top only; find then walks everything below. The order find
    prints is the directory's, and extract's output does not depend on it (one temp file per number).
    """
    found: list[str] = []
    for top in sorted(os.listdir(version_dir)):
        if top.startswith("."):
            continue
        start = version_dir / top
        walk = [(str(start), [], [top])] if start.is_file() else os.walk(start)
        for dirpath, dirnames, filenames in walk:
            dirnames.sort()
            for name in filenames:
                rel = Path(dirpath, name).relative_to(version_dir).as_posix()
                if _FIND_NAME.search(name.encode()) and "lguest" in f"../../{rel}":
                    found.append(rel)
    return sorted(found)


def extract(letter: str, files: Sequence[tuple[str, bytes]]) -> bytes:
    """What `sh extract LETTER ../../<file>...` prints, for (path relative to the version folder, bytes).

    Quirks kept on purpose: `case` tries the patterns in order; sed's greedy `.*` takes the number
    after the *last* "G:" on the line while `s/G:[0-9]*//` removes the *first*; a `:*` on the marker
    line does not close the chunk; every file ends by appending a blank line to the open chunk; a
    last line without "\\n" is never read; chunks print in the byte order of their number strings.
    """
    if letter not in STAGES:
        raise ContentError(f"no Journey stage {letter!r}", {"letter": letter, "known": list(STAGES)})
    prefix = letter.encode()
    marker_then_close = re.compile(re.escape(prefix) + rb":[0-9].*:\*", re.DOTALL)
    marker = re.compile(re.escape(prefix) + rb":[0-9]")
    last_number = re.compile(rb".*" + re.escape(prefix) + rb":([0-9]*)", re.DOTALL)
    first_marker = re.compile(re.escape(prefix) + rb":[0-9]*")
    chunks: dict[bytes, list[bytes]] = {}
    owner: dict[bytes, str] = {}
    for name, data in files:
        current: list[bytes] | None = None  # fd 3: None is /dev/null
        for line in _lines(data):
            if marker_then_close.search(line) or marker.search(line):
                number = last_number.match(line).group(1)  # type: ignore[union-attr]
                if not number:
                    raise ContentError(f"{name}: '{letter}:' without a number ends extract", {"file": name})
                if number in chunks:
                    raise ContentError(f"{letter}:{number.decode()} already exists prior to {name}",
                                       {"file": name, "chapter": f"{letter}:{number.decode()}"})
                current = chunks[number] = []
                owner[number] = name
                text = first_marker.sub(b"", line, count=1)
                if marker_then_close.search(line):
                    text = text.replace(b":*", b"*", 1)
                current.append(text + b"\n")
            elif b":*" in line:
                if current is not None:
                    current.append(line.replace(b":*", b"*", 1).replace(b"/**/", b"", 1) + b"\n")
                    current.append(b"\n")
                current = None
            elif current is not None:
                current.append(line + b"\n")
        if current is not None:
            current.append(b"\n")
    out: list[bytes] = []
    last_file = ""
    for number in sorted(chunks):
        if owner[number] != last_file:
            last_file = owner[number]
            out.append(f"[ {last_file} ]\n".encode())
        out.extend(chunks[number])
    return b"".join(out)


def beer(files: Sequence[tuple[str, bytes]], stages: Iterable[str] = STAGES) -> bytes:
    """`make Beer`: every stage in the Makefile's order between its banners."""
    parts = [BEER_START.encode() % STAGES[letter].encode() + extract(letter, files) for letter in stages]
    return b"".join(parts) + BEER_END.encode()


def read_files(version_dir: Path, names: Iterable[str]) -> list[tuple[str, bytes]]:
    return [(name, (version_dir / name).read_bytes()) for name in names]


def _lines(data: bytes) -> list[bytes]:
    """Lines as `while IFS=<newline> read -r LINE` yields them: the unterminated last one is lost."""
    lines = data.split(b"\n")
    lines.pop()  # the text after the last "\n" (empty when the file ends with one)
    return lines
