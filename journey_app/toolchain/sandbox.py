"""The edit-and-run sandbox: applies a student's line edits to one kernel source file, refuses hostile text, builds.

Every edited line is checked (by sandbox_rules.check_line) before any tool runs; SandboxRefused names the line
and reason. The build goes through the normal pipeline (bounded subprocesses, -nostdinc), never around it, and
tool messages come back on the student's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable

from ..errors import BuildError, SandboxRefused
from .sandbox_rules import LineBudget, SandboxPolicy, check_line, refuse

_TOOL_LINE = re.compile(r"^(?:\./)?(?P<file>[^:\s]+):(?P<line>\d+):(?:\d+:)?(?:\([^)]*\):)?\s*(?P<text>.*)$")


@dataclass(frozen=True)
class EditedSource:
    file: str
    text: bytes
    edited: tuple[int, ...]  # lines whose text differs from the original


def apply_edits(file: str, original: str, edits: Iterable[tuple[int, str]], allowed: Iterable[int] | None,
                policy: SandboxPolicy = SandboxPolicy()) -> EditedSource:
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
    for number, text in changed:
        check_line(number, text, policy, budget)
        lines[number - 1] = text
    if budget.depth:
        raise refuse(budget.opened_at, "a .rept/.irp block is not closed with .endr in your lines")
    return EditedSource(file, "\n".join(lines).encode("utf-8", "surrogateescape"), tuple(n for n, _ in changed))


def _ranges(numbers: set[int]) -> str:
    """{66, 67, 68, 78} → "66-68, 78"."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def map_messages(messages: list[str], file: str, edited: Iterable[int]) -> list[dict]:
    """Tool messages about `file` as {line, message, yours}; other messages keep line None."""
    edited = set(edited)
    out = []
    for raw in messages:
        match = _TOOL_LINE.match(raw.strip())
        if match and match.group("file") == file:
            line = int(match.group("line"))
            out.append({"line": line, "message": match.group("text"), "yours": line in edited})
        elif raw.strip() and not raw.rstrip().endswith(("Assembler messages:", ":")):
            out.append({"line": None, "message": raw.strip(), "yours": False})
    return out


def build_edited(catalog, version: str, file: str, edits: Iterable[tuple[int, str]],
                 allowed: Iterable[int] | None, policy: SandboxPolicy = SandboxPolicy()):
    """The Build of `version` with `file` edited; SandboxRefused before any tool runs, BuildError after.

    A BuildError's detail["lines"] lists the tool messages on the student's lines first.
    """
    original_bytes = (catalog.kernel_dir(version) / file).read_bytes()
    source = apply_edits(file, original_bytes.decode("utf-8", "surrogateescape"), edits, allowed, policy)
    try:
        build = catalog.build_with(version, {file: source.text})
    except SandboxRefused:
        raise
    except BuildError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        lines = map_messages(detail.get("messages") or [], file, source.edited)
        lines.sort(key=lambda m: (not m["yours"], m["line"] is None, m["line"] or 0))
        first = next((m for m in lines if m["line"]), None)
        summary = f"line {first['line']}: {first['message']}" if first else exc.message
        raise BuildError(f"the edited source does not build: {summary}",
                         {**detail, "file": file, "lines": lines, "edited": list(source.edited)}) from None
    _check_output(build, catalog.build(version), policy, source)
    return build


def _check_output(build, reference, policy: SandboxPolicy, source: EditedSource) -> None:
    if len(build.elf) > policy.max_elf_bytes:
        raise refuse(source.edited[0] if source.edited else None,
                     f"the built image is {len(build.elf)} bytes; the limit is {policy.max_elf_bytes}")
    grown = sum(s.size for s in build.sections) - sum(s.size for s in reference.sections)
    if grown > policy.max_image_growth:
        raise refuse(source.edited[0] if source.edited else None,
                     f"the edits grow the guest image by {grown} bytes; the limit is {policy.max_image_growth}")
