"""Where each key and array element of a TOML document starts: path → 1-based line, for error messages.

tomllib parses values but keeps no positions; this scanner re-reads already-valid TOML for positions only.
"""

from __future__ import annotations

import re

Path = tuple  # of str (keys) and int (array / array-of-tables indices)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.lines: dict[Path, int] = {}
        self.aot_index: dict[Path, int] = {}  # array-of-tables path → index of its last element

    # --- positions -------------------------------------------------------------------------
    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def record(self, path: Path, line: int) -> None:
        self.lines.setdefault(path, line)

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces, tabs, comments and (if asked) newlines."""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self.pos += 1
            elif ch == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    # --- keys ------------------------------------------------------------------------------
    def key(self) -> list[str]:
        parts = []
        while True:
            self.skip_blank(False)
            ch = self.peek()
            if ch in ('"', "'"):
                parts.append(self.string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    raise ValueError(f"no key at line {self.line()}")
                parts.append(match.group())
                self.pos = match.end()
            self.skip_blank(False)
            if self.peek() != ".":
                return parts
            self.pos += 1

    def resolve(self, parts: list[str]) -> Path:
        """A header's key path with the current index of every array of tables on the way inserted."""
        path: tuple = ()
        for part in parts:
            path += (part,)
            if path in self.aot_index:
                path += (self.aot_index[path],)
        return path

    # --- values ----------------------------------------------------------------------------
    def string(self) -> str:
        quote = self.peek()
        width = 3 if self.peek(3) == quote * 3 else 1
        i = self.pos + width
        while self.text[i:i + width] != quote * width:
            i += 2 if (quote == '"' and self.text[i] == "\\") else 1
        while width == 3 and self.text[i + 3:i + 4] == quote:  # '""""' : a quote just before the close
            i += 1
        raw = self.text[self.pos + width:i]
        self.pos = i + width
        return raw

    def value(self, path: Path) -> None:
        self.record(path, self.line())
        ch = self.peek()
        if ch in ('"', "'"):
            self.string()
        elif ch == "[":
            self.array(path)
        elif ch == "{":
            self.inline_table(path)
        else:
            match = _SCALAR_END.search(self.text, self.pos)
            self.pos = len(self.text) if match is None else match.start()

    def array(self, path: Path) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank(True)
            if self.peek() == "]":
                self.pos += 1
                return
            self.value(path + (index,))
            index += 1
            self.skip_blank(True)
            if self.peek() == ",":
                self.pos += 1

    def inline_table(self, path: Path) -> None:
        self.pos += 1
        while True:
            self.skip_blank(False)
            if self.peek() == "}":
                self.pos += 1
                return
            self.key_value(path)
            self.skip_blank(False)
            if self.peek() == ",":
                self.pos += 1

    def key_value(self, table: Path) -> None:
        line = self.line()
        parts = self.key()
        for depth in range(1, len(parts) + 1):
            self.record(table + tuple(parts[:depth]), line)
        self.skip_blank(False)
        self.pos += 1  # "="
        self.skip_blank(False)
        self.value(table + tuple(parts))

    # --- document --------------------------------------------------------------------------
    def document(self) -> dict[Path, int]:
        table: Path = ()
        while True:
            self.skip_blank(True)
            if self.pos >= len(self.text):
                return self.lines
            line = self.line()
            if self.peek(2) == "[[":
                self.pos += 2
                parts = self.key()
                self.pos += 2
                plain = self.resolve(parts[:-1]) + (parts[-1],)
                self.aot_index[plain] = self.aot_index.get(plain, -1) + 1
                table = plain + (self.aot_index[plain],)
                self.record(plain, line)
                self.record(table, line)
            elif self.peek() == "[":
                self.pos += 1
                parts = self.key()
                self.pos += 1
                table = self.resolve(parts)
                self.record(table, line)
            else:
                self.key_value(table)


def key_lines(text: str) -> dict[Path, int]:
    """Map every key path (and array element path) of a valid TOML text to the line it starts on.

    Paths use str for keys and int for indices, like jsonschema's `absolute_path`:
    `("checks", 2, "expect", "any", 0)` is the first alternative of the third check's expectation.
    """
    try:
        return _Scanner(text).document()
    except (ValueError, IndexError):  # only for text tomllib rejected; positions are best effort
        return {}


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor (a missing key → its table's line)."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
