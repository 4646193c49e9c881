"""`Values`: how a word in an action or a scenario becomes a number — decimal, 0x-hex, a symbol, a header constant.
Owns the value grammar (`name`, `name+4`, `0x200`, `-1` is refused); must not know about registers or actions.
"""

from __future__ import annotations

import re

from ..toolchain import Build

U32 = 0xFFFFFFFF
MAX_WORD_CHARS = 200      # symbol+offset; longer is not a value (and int() of thousands of digits is an error)
MAX_NUMBER_CHARS = 24
TERM = re.compile(r"^(?P<base>[A-Za-z_.][A-Za-z0-9_.$]*|0[xX][0-9a-fA-F]+|[0-9]+)"
                  r"(?:(?P<op>[+-])(?P<offset>0[xX][0-9a-fA-F]+|[0-9]+))?$")
# `#define NAME 0x200` (an integer literal, optional U/L suffixes, optional parentheses) in the
# stand-in headers: X86_EFLAGS_IF, LHCALL_SEND_INTERRUPTS, THREAD_SIZE, __PAGE_OFFSET, ...
DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+\(?\s*(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*\s*\)?\s*"
                    r"(?:/\*.*)?$", re.MULTILINE)


class UnknownValue(ValueError):
    """`word` is not a number, a symbol of the build or a header constant; `why` says what was wrong."""

    def __init__(self, word: str, why: str):
        super().__init__(why)
        self.word = word
        self.why = why


def header_constants(build: Build) -> dict[str, int]:
    consts: dict[str, int] = {}
    for name, text in sorted(build.sources.items()):
        if name.endswith(".h"):
            for match in DEFINE.finditer(text):
                consts.setdefault(match.group(1), int(match.group(2), 0))
    return consts


class Values:
    """Resolves words against one build. Symbols win over header constants of the same name."""

    def __init__(self, build: Build):
        self.build = build
        self.constants = header_constants(build)

    def names(self) -> list[str]:
        return sorted(set(self.build.symbols) | set(self.constants))

    def lookup(self, name: str) -> int | None:
        sym = self.build.symbols.get(name)
        if sym is not None:
            return sym.address
        return self.constants.get(name)

    def resolve(self, word: str, limit: int = U32) -> int:
        """A value in 0..limit; raises UnknownValue naming the problem."""
        numbers = [part for part in re.split(r"[+-]", word) if part[:1].isdigit()]
        if len(word) > MAX_WORD_CHARS or any(len(part) > MAX_NUMBER_CHARS for part in numbers):
            raise UnknownValue(word[:24] + "...", "the value is too long to be a 32-bit number or a symbol")
        match = TERM.match(word)
        if not match:
            raise UnknownValue(word, f"{word!r} is not a number (decimal or 0x-hex) or a symbol name")
        base = match.group("base")
        if base[0].isdigit():
            value = int(base, 16) if base[:2].lower() == "0x" else int(base, 10)
        else:
            found = self.lookup(base)
            if found is None:
                raise UnknownValue(word, f"no symbol or constant named {base!r} in this build")
            value = found
        if match.group("offset") is not None:
            offset = match.group("offset")
            delta = int(offset, 16) if offset[:2].lower() == "0x" else int(offset, 10)
            value = value + delta if match.group("op") == "+" else value - delta
        if not 0 <= value <= limit:
            raise UnknownValue(word, f"{word} = {value} is out of range (0..{limit:#x})")
        return value
