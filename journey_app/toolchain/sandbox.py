"""The edit-and-run sandbox: checks a student's line edits to one kernel source file against the line
grammar (sandbox_rules, an allow-list), then builds with the checked lines spliced in AFTER cpp.

Student text never reaches cpp: cpp reads the shipped file with placeholders (splice.py), the checked
lines replace them in what `as` reads, and every tool runs jailed (jail.py). SandboxRefused names the line
and reason before any tool runs on student text; the size of the result is checked before the build is
parsed or cached; tool messages come back on the student's lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import BuildError, SandboxRefused
from .elfread import read_sections
from .sandbox_rules import NO_MACROS, LineBudget, MacroTable, SandboxPolicy, check_line, refuse

__all__ = ["EditedSource", "SandboxPolicy", "apply_edits", "build_edited", "build_edited_text", "map_messages"]

_TOOL_LINE = re.compile(r"^(?:\./)?(?P<file>[^:\s]+):(?P<line>\d+):(?:\d+:)?(?:\([^)]*\):)?\s*(?P<text>.*)$")


@dataclass(frozen=True)
class EditedSource:
    file: str
    text: bytes                      # the file as the student sees it (display only: never given to cpp)
    edited: tuple[int, ...]          # lines whose text differs from the original
    assembled: dict[int, str] = field(default_factory=dict)  # line → the checked text `as` reads there


def apply_edits(file: str, original: str, edits: Iterable[tuple[int, str]], allowed: Iterable[int] | None,
                policy: SandboxPolicy = SandboxPolicy(), macros: MacroTable = NO_MACROS) -> EditedSource:
    """The file with `edits` applied, after checking each edited line; SandboxRefused at the first problem."""
    edits = list(edits)
    size = sum(len(text.encode("utf-8", "replace")) for _, text in edits)
    if size > policy.max_submission_bytes:
        raise refuse(None, f"the edits hold {size} bytes; the limit is {policy.max_submission_bytes}")
    lines = original.split("\n")
    allowed_set = set(allowed) if allowed is not None else None
    changed = []
    for number, text in sorted(edits):
        if allowed_set is not None and number not in allowed_set:
            raise refuse(number, f"line {number} may not be edited in this lab (editable: {_ranges(allowed_set)})")
        if not 1 <= number <= len(lines):
            raise refuse(number, f"{file} has {len(lines)} lines")
        text = text[:-1] if text.endswith("\r") else text
        if text != lines[number - 1]:
            changed.append((number, text))
    if len(changed) > policy.max_edited_lines:
        raise refuse(changed[policy.max_edited_lines][0],
                     f"{len(changed)} lines changed; at most {policy.max_edited_lines} may be")
    budget = LineBudget()
    assembled = {}
    for number, text in changed:
        assembled[number] = check_line(number, text, policy, budget, macros)
        lines[number - 1] = text
    if budget.depth:
        raise refuse(budget.opened_at, "a .rept block is not closed with .endr in your lines")
    return EditedSource(file, "\n".join(lines).encode("utf-8", "surrogateescape"), tuple(n for n, _ in changed),
                        assembled)


def _ranges(numbers: set[int]) -> str:
    """{66, 67, 68, 78} → "66-68, 78"."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


# A tool's own notes beside a failure (ld's "missing .note.GNU-stack" warning on the glue objects, its
# "NOTE: This behaviour is deprecated"): not errors, and not about the student's lines.
_NOT_AN_ERROR = re.compile(r"(?:^|:\s*)(?:[Ww]arning|NOTE|Note):")
# The scratch copy `as` read ("obj/00-i386_head.s: Error: ..." when GAS names no line): a build-folder path.
_SCRATCH_PREFIX = re.compile(r"^(?:ld: )?(?:\./)?[^:\s]*/[^:\s]+:\s+")


def map_messages(messages: list[str], file: str, edited: Iterable[int]) -> list[dict]:
    """Tool messages about `file` as {line, message, yours}, each once: one bad edit, one error.
    Messages about other files are dropped (the build folder holds only shipped files, and their own
    messages say nothing to the student), and so are the tools' warnings and notes. GAS reports some
    errors with no line (an undefined local label `1f`, found at the end of the file); with one edited
    line that line is the cause (the shipped file builds), so the message goes on it."""
    edited = sorted(set(edited))
    out: list[dict] = []
    for raw in messages:
        text = raw.strip()
        match = _TOOL_LINE.match(text)
        if match and match.group("file") == file:
            line = int(match.group("line"))
            entry = {"line": line, "message": match.group("text"), "yours": line in edited}
        elif not text or match or text.endswith(("Assembler messages:", ":")) or _NOT_AN_ERROR.search(text):
            continue
        elif len(edited) == 1:
            entry = {"line": edited[0], "message": _SCRATCH_PREFIX.sub("", text), "yours": True}
        else:
            entry = {"line": None, "message": _SCRATCH_PREFIX.sub("", text), "yours": False}
        if entry not in out:
            out.append(entry)
    return out


def build_edited_text(catalog, version: str, file: str, text: str, policy: SandboxPolicy = SandboxPolicy()):
    """The Build of `version` with `file` replaced by an edited copy `text` (the explorer's "edit this file"):
    the lines that differ from the shipped file are the edits (edits.line_edits), and they go through the
    sandbox exactly as a lab's edits do, with any line of the file allowed."""
    from .edits import line_edits

    return build_edited(catalog, version, file, line_edits(file, catalog.library.source(version, file), text),
                        allowed=None, policy=policy)


def build_edited(catalog, version: str, file: str, edits: Iterable[tuple[int, str]],
                 allowed: Iterable[int] | None, policy: SandboxPolicy = SandboxPolicy()):
    """The Build of `version` with `file` edited; SandboxRefused before any tool runs on student text,
    BuildError after. A BuildError's detail["lines"] lists the tool messages on the student's lines first.
    """
    assembled = catalog.assembled_files(version)
    if file not in assembled:   # before cpp runs on anything: only what the build assembles can be edited
        raise refuse(None, f"{file} is not assembled by this site's build; edits go to {', '.join(assembled)}")
    original_bytes = (catalog.kernel_dir(version) / file).read_bytes()
    original = original_bytes.decode("utf-8", "surrogateescape")
    source = apply_edits(file, original, list(edits), allowed, policy, catalog.macros(version, file))
    if not source.edited:
        return catalog.build(version)
    reference = catalog.build(version)
    try:
        build = catalog.build_spliced(version, file, source.assembled, source.text.decode("utf-8", "surrogateescape"),
                                      admit=lambda elf: _admit(elf, reference, policy, source))
    except SandboxRefused:
        raise
    except BuildError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        lines = map_messages(detail.get("messages") or [], file, source.edited)
        lines.sort(key=lambda m: (not m["yours"], m["line"] is None, m["line"] or 0))
        first = next((m for m in lines if m["line"]), None)
        summary = f"line {first['line']}: {first['message']}" if first else exc.message
        raise BuildError(f"the edited source does not build: {summary}",
                         {"file": file, "lines": lines, "edited": list(source.edited)}) from None
    return build


def _admit(elf: bytes, reference, policy: SandboxPolicy, source: EditedSource) -> None:
    """Size rules on the linked ELF, before it is parsed (disassembled), memoised or written to the cache."""
    line = source.edited[0] if source.edited else None
    if len(elf) > policy.max_elf_bytes:
        raise refuse(line, f"the built image is {len(elf)} bytes; the limit is {policy.max_elf_bytes}")
    grown = sum(s.size for s in read_sections(elf)) - sum(s.size for s in reference.sections)
    if grown > policy.max_image_growth:
        raise refuse(line, f"the edits grow the guest image by {grown} bytes; the limit is {policy.max_image_growth}")
