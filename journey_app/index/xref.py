"""Cross-references: where each defined name is used, line by line, across the kernel text.

Uses are identifier tokens in code (comments and string literals cut away first, lines kept), so a
word in the commentary is not a use; mentions in the prose are linked by the pages instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .ctags import Definition

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# One pass over the text: block comments, // comments (C), strings and char literals. Each match
# is replaced by its own newlines so line numbers stay put.
_NOT_CODE = re.compile(r"""/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'""", re.DOTALL)


@dataclass(frozen=True)
class Use:
    name: str
    file: str
    line: int
    chapter: str | None

    def to_json(self) -> dict:
        return {"name": self.name, "file": self.file, "line": self.line, "chapter": self.chapter}


@dataclass
class Xref:
    """Definitions by name (a name may be defined more than once) and every use of each name."""

    definitions: dict[str, list[Definition]] = field(default_factory=dict)
    uses: dict[str, list[Use]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted(self.definitions, key=lambda n: (n.lower().lstrip("_"), n))

    def defined(self, name: str) -> bool:
        return name in self.definitions

    def to_json(self) -> dict:
        return {"definitions": [d.to_json() for defs in self.definitions.values() for d in defs],
                "uses": [[u.name, u.file, u.line, u.chapter] for uses in self.uses.values() for u in uses]}

    @classmethod
    def from_json(cls, data: dict) -> Xref:
        xref = cls()
        for item in data["definitions"]:
            definition = Definition.from_json(item)
            xref.definitions.setdefault(definition.name, []).append(definition)
        for name, file, line, chapter in data["uses"]:
            xref.uses.setdefault(name, []).append(Use(name, file, line, chapter))
        return xref


def code_only(text: str) -> str:
    """The text with comments and literals blanked (their newlines kept)."""
    return _NOT_CODE.sub(lambda m: "\n" * m.group().count("\n") if m.group().startswith(("/*", "//")) else '""',
                         text)


def build_xref(definitions: Iterable[Definition], texts: dict[str, str],
               chapter_of: Callable[[str, int], str | None]) -> Xref:
    """Definitions (with their chapter filled in) and the uses of each defined name in `texts`."""
    xref = Xref()
    for d in definitions:
        placed = Definition(d.name, d.kind, d.file, d.line, d.end_line, chapter_of(d.file, d.line), d.signature)
        xref.definitions.setdefault(d.name, []).append(placed)
    defined_at = {(d.file, d.line, d.name) for defs in xref.definitions.values() for d in defs}
    for file in sorted(texts):
        for number, line in enumerate(code_only(texts[file]).split("\n"), start=1):
            seen: set[str] = set()
            for match in IDENTIFIER.finditer(line):
                name = match.group()
                if name in xref.definitions and name not in seen and (file, number, name) not in defined_at:
                    seen.add(name)
                    xref.uses.setdefault(name, []).append(Use(name, file, number, chapter_of(file, number)))
    return xref
