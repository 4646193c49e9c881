"""A problem in a lab file, named by file, line and field: what `journey lab validate` prints.

Owns the Problem value, field-path formatting and the error raised when a lab cannot load.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ContentError


def field_name(path: tuple) -> str:
    """("checks", 2, "expect", "hypercall") → "checks[2].expect.hypercall" (indices are 0-based, as in TOML order)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class LabInvalid(ContentError):
    """A lab file that does not load; detail["problems"] lists every problem found."""

    code = "lab_invalid"

    def __init__(self, file: str, problems: list[Problem]):
        first = problems[0] if problems else None
        super().__init__(f"{first} (and {len(problems) - 1} more)" if len(problems) > 1 else str(first),
                         {"file": file, "problems": [p.to_json() for p in problems]})
        self.problems = problems
