"""The sandbox's line rules: which directives, tokens and characters an edited line may hold, and the budgets.

Owns SandboxPolicy (the bounds) and check_line (refuses one line, tracking repeats and fill bytes across lines);
must not read files, apply edits or run any tool: sandbox.py does that after every line here has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SandboxRefused

# Directives that read files, define macros or move line information: never allowed in edited lines.
FORBIDDEN = {
    "incbin": "reads a file", "include": "reads a file", "macro": "defines a macro", "purgem": "touches macros",
    "file": "changes the line information", "loc": "changes the line information",
    "line": "changes the line information", "ln": "changes the line information",
    "org": "moves the location counter", "section": "switches sections", "pushsection": "switches sections",
    "popsection": "switches sections", "previous": "switches sections", "subsection": "switches sections",
    "text": "switches sections", "data": "switches sections", "bss": "switches sections",
}
REPEATS = ("rept", "irp", "irpc")                       # open a block ended by .endr
FILLS = ("fill", "skip", "space", "zero", "nops", "comm", "lcomm", "dcb", "ds")  # emit N bytes
ALIGNS = ("align", "balign", "balignw", "balignl", "p2align", "p2alignw", "p2alignl")
FORBIDDEN_TOKENS = ("_Pragma", "__has_include", "__has_include_next", "__include_macros")

_DIRECTIVE = re.compile(r"(?<![\w.$])\.(?P<name>[A-Za-z_][\w]*)(?P<suffix>\.[A-Za-z])?")
_LABEL_PREFIX = re.compile(r"^\s*(?:[A-Za-z_.$][\w.$]*|\d+)\s*:")
_NUMBER = re.compile(r"^\s*(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)\s*$")


@dataclass(frozen=True)
class SandboxPolicy:
    """Bounds on what an edit may ask of the toolchain; each has a message a student can act on."""

    max_line_chars: int = 200
    max_edited_lines: int = 8
    max_submission_bytes: int = 64 * 1024
    max_repeat: int = 64            # .rept count, .irp/.irpc items
    max_fill_bytes: int = 64 * 1024  # bytes all fill-like directives may emit, repeats included
    max_align: int = 4096
    max_elf_bytes: int = 4 * 1024 * 1024
    max_image_growth: int = 1024 * 1024  # allocated section bytes beyond the unedited build


def refuse(line: int | None, reason: str) -> SandboxRefused:
    where = f"line {line}: " if line else ""
    return SandboxRefused(f"{where}{reason}", {"line": line, "reason": reason})


@dataclass
class LineBudget:
    """State carried across edited lines in file order: the open repeat block and the bytes declared so far."""

    depth: int = 0
    multiplier: int = 1
    opened_at: int | None = None
    fill_bytes: int = 0


def check_line(number: int, text: str, policy: SandboxPolicy, budget: LineBudget | None = None) -> None:
    """Refuse one edited line if it breaks a rule; conservative: comments and strings are checked too."""
    budget = budget or LineBudget()
    if "\n" in text:
        raise refuse(number, "one line per edit: the replacement may not contain a line break")
    if len(text) > policy.max_line_chars:
        raise refuse(number, f"the line is {len(text)} characters long; the limit is {policy.max_line_chars}")
    for column, ch in enumerate(text, 1):
        if not (ch == "\t" or " " <= ch <= "~"):
            raise refuse(number, f"character {ch!r} at column {column} is not printable ASCII")
    if text.rstrip().endswith("\\"):
        raise refuse(number, "a line may not end with a backslash (it would join the next line)")
    if text.lstrip().startswith("#"):
        raise refuse(number, "preprocessor directives (#include, #define, ...) are not allowed in edited lines")
    for token in FORBIDDEN_TOKENS:
        if token in text:
            raise refuse(number, f"{token} is not allowed in edited lines")
    statements = _statements(text)
    for match in _DIRECTIVE.finditer(text):
        name = match.group("name").lower()
        if name in FORBIDDEN:
            raise refuse(number, f".{name} is not allowed in edited lines: it {FORBIDDEN[name]}")
        # a counted directive hidden where the statement parser does not look (a comment, a string)
        if name in REPEATS + FILLS + ALIGNS + ("endr",) and not any(
                s.lower().startswith("." + name) for s in statements):
            raise refuse(number, f".{name} may only be used as a statement of its own")
    if ".." in text:
        raise refuse(number, "'..' is not allowed in edited lines (no file paths)")
    if re.search(r"[\"']\s*/", text) or re.search(r"(^|[\s,])/(?![*/])[\w.-]+/", text):
        raise refuse(number, "absolute file paths are not allowed in edited lines")
    for statement in statements:
        _check_statement(number, statement, policy, budget)


def _statements(text: str) -> list[str]:
    """The line's statements (split on ';' outside strings), each without leading labels."""
    out, current, quote = [], "", None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == ";":
            out.append(current)
            current = ""
            continue
        current += ch
    out.append(current)
    stripped = []
    for statement in out:
        while (m := _LABEL_PREFIX.match(statement)) is not None:
            statement = statement[m.end():]
        stripped.append(statement.strip())
    return [s for s in stripped if s]


def _check_statement(number: int, statement: str, policy: SandboxPolicy, budget: LineBudget) -> None:
    match = _DIRECTIVE.match(statement)
    if not match:
        return
    name = match.group("name").lower()
    args = [a.strip() for a in statement[match.end():].split(",")] if statement[match.end():].strip() else []
    if name == "endr":
        if not budget.depth:
            raise refuse(number, ".endr without a .rept/.irp in your lines")
        budget.depth, budget.multiplier = 0, 1
    elif name in REPEATS:
        if budget.depth:
            raise refuse(number, f"repeat blocks may not be nested (one is open since line {budget.opened_at})")
        if name == "rept":
            count = _count(number, name, args[0] if args else "")
        else:
            count = _items(statement[match.end():], name)
        if count > policy.max_repeat:
            raise refuse(number, f".{name} repeats {count} times; at most {policy.max_repeat} are allowed")
        budget.depth, budget.multiplier, budget.opened_at = 1, max(count, 1), number
    elif name in FILLS:
        size = _fill_bytes(number, name, match.group("suffix"), args)
        budget.fill_bytes += size * budget.multiplier
        if budget.fill_bytes > policy.max_fill_bytes:
            raise refuse(number, f".{name} would emit {budget.fill_bytes} bytes in all; "
                                 f"at most {policy.max_fill_bytes} are allowed")
    elif name in ALIGNS:
        value = _count(number, name, args[0] if args else "1")
        alignment = 1 << value if name.startswith("p2") and value < 64 else value
        if (name.startswith("p2") and value >= 64) or alignment > policy.max_align:
            raise refuse(number, f".{name} {args[0]} aligns to more than {policy.max_align} bytes")


def _items(rest: str, name: str) -> int:
    """How many times .irp (values split on commas/spaces) or .irpc (one per character) repeats."""
    parts = re.split(r"[\s,]+", rest.strip(), maxsplit=1)
    values = parts[1] if len(parts) > 1 else ""
    if name == "irpc":
        return len(re.sub(r"[\s,]", "", values))
    return len([v for v in re.split(r"[\s,]+", values) if v])


def _count(number: int, name: str, arg: str) -> int:
    match = _NUMBER.match(arg or "")
    if not match:
        raise refuse(number, f"the count of .{name} must be a plain number (got {arg.strip()!r})")
    return int(match.group(1), 0)


def _fill_bytes(number: int, name: str, suffix: str | None, args: list[str]) -> int:
    """Bytes a fill-like directive emits, from its literal arguments."""
    unit = {"b": 1, "w": 2, "s": 4, "l": 4, "d": 8, "q": 8, "x": 12, "p": 12}.get((suffix or ".b")[1:].lower(), 1)
    if name == "fill":
        repeat = _count(number, name, args[0] if args else "")
        size = _count(number, name, args[1]) if len(args) > 1 else 1
        return repeat * min(size, 8)
    if name in ("comm", "lcomm"):
        return _count(number, name, args[1] if len(args) > 1 else "")
    base = _count(number, name, args[0] if args else "")
    return base * unit if name in ("ds", "dcb") else base
