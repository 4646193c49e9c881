"""The edits that turn a shipped source file into an edited copy: the lines that differ, which is what the edit
sandbox checks and splices (`sandbox.build_edited`). Owns the rule that an edited file keeps its line count;
must not build anything.
"""

from __future__ import annotations

from ..errors import BadInput


def line_edits(path: str, original: str, edited: str) -> list[tuple[int, str]]:
    """[(line number, new text)] for every line of `edited` that differs from `original`; BadInput when the
    edit adds or removes lines (an edit replaces lines, so the chapters' line numbers stay true)."""
    old, new = original.split("\n"), edited.split("\n")
    if len(new) != len(old):
        raise BadInput(f"edited {path} must keep its {len(old)} lines (it has {len(new)}); "
                       "change lines, do not add or remove them", {"field": "source", "file": path})
    return [(n, text) for n, (text, before) in enumerate(zip(new, old, strict=True), start=1) if text != before]
