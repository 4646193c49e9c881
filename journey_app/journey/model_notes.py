"""Notes on how the explorer's Host model follows the kernel, shown on the chapter whose code it follows:
content metadata kept beside the kernel text (`kernels/<version>/model_notes.toml`), never in it. Owns
reading and checking the file; must not render anything. Whether a note's citation lies inside the named
function is checked by tests/runs/test_model_notes.py with Universal Ctags, as the Host's own
citations are.

    [[note]]
    id = "kick"
    chapter = "H:205"
    title = "Raising an interrupt kicks the Guest"
    text = "set_interrupt() sets the interrupt's bit ..."
    cites = { file = "drivers/lguest/interrupts_and_traps.c", function = "set_interrupt", first = 255, last = 269 }
    try = { chapter = "M:004", scenario = "m004-frame", actions = "raise_irq 1" }
    tests = ["tests/runs/test_behaviours.py::test_raise_irq_kicks_the_guest_so_the_host_looks_at_once"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContentError
from .titles import CHAPTER_ID

FILE = "model_notes.toml"
NOTE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
KERNEL_PATH = re.compile(r"^(?:arch|drivers|Documentation|include)(?:/[A-Za-z0-9_.-]+)+$")
FUNCTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
TEST_ID = re.compile(r"^tests/[a-z0-9_/]+\.py::test_[a-z0-9_]+$")
MAX_TITLE = 90
MAX_TEXT = 2000
MAX_ACTIONS = 500
_KEYS = {"id", "chapter", "title", "text", "cites", "try", "tests"}


@dataclass(frozen=True, kw_only=True)
class Cites:
    """Kernel lines (1-based, inclusive) the model follows, inside `function`."""
    file: str
    function: str
    first: int
    last: int

    def to_json(self) -> dict:
        return {"file": self.file, "function": self.function, "first": self.first, "last": self.last}


@dataclass(frozen=True, kw_only=True)
class TryRun:
    """A run to open in the explorer: `chapter`'s page with `scenario` and these actions."""
    chapter: str
    scenario: str
    actions: str

    def to_json(self) -> dict:
        return {"chapter": self.chapter, "scenario": self.scenario, "actions": self.actions}


@dataclass(frozen=True, kw_only=True)
class ModelNote:
    id: str
    chapter: str
    title: str
    paragraphs: tuple[str, ...]
    cites: Cites | None
    try_run: TryRun | None
    tests: tuple[str, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "chapter": self.chapter, "title": self.title, "paragraphs": list(self.paragraphs),
                "cites": self.cites.to_json() if self.cites else None,
                "try": self.try_run.to_json() if self.try_run else None, "tests": list(self.tests)}


def load_model_notes(version_dir: Path) -> tuple[tuple[ModelNote, ...], list[ContentError]]:
    """(the notes in file order, the problems found). A broken note costs that note, never the site."""
    path = version_dir / FILE
    if not path.is_file():
        return (), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return (), [_problem(f"{exc}")]
    entries = data.get("note", [])
    extra = sorted(set(data) - {"note"})
    problems = [_problem(f"unknown table {name!r}: notes are [[note]] entries") for name in extra]
    if not isinstance(entries, list):
        return (), problems + [_problem("note must be an array of tables ([[note]])")]
    notes: list[ModelNote] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            note = _note(entry, index)
        except ValueError as exc:
            problems.append(_problem(f"note {index + 1}: {exc}", index))
            continue
        if note.id in seen:
            problems.append(_problem(f"note {index + 1}: the id {note.id!r} is used twice", index))
            continue
        seen.add(note.id)
        notes.append(note)
    return tuple(notes), problems


def _note(entry: object, index: int) -> ModelNote:
    if not isinstance(entry, dict):
        raise ValueError("must be a table")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ValueError(f"unknown keys {unknown}")
    note_id = _matching(entry, "id", NOTE_ID, "a slug like \"port-io\"")
    chapter = _matching(entry, "chapter", CHAPTER_ID, "a chapter id like \"H:205\"")
    title = _text(entry, "title", MAX_TITLE)
    text = _text(entry, "text", MAX_TEXT)
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())
    tests = entry.get("tests", [])
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) and TEST_ID.match(t) for t in tests):
        raise ValueError("tests must list at least one test id like \"tests/x/test_y.py::test_z\"")
    return ModelNote(id=note_id, chapter=chapter, title=" ".join(title.split()), paragraphs=paragraphs,
                     cites=_cites(entry.get("cites")), try_run=_try(entry.get("try")), tests=tuple(tests))


def _cites(value: object) -> Cites | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"file", "function", "first", "last"}:
        raise ValueError("cites must be { file, function, first, last }")
    file = _matching(value, "file", KERNEL_PATH, "a kernel path like \"drivers/lguest/core.c\"")
    function = _matching(value, "function", FUNCTION, "a C identifier")
    first, last = value["first"], value["last"]
    if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= 100_000):
        raise ValueError("cites.first and cites.last must be line numbers, first <= last")
    return Cites(file=file, function=function, first=first, last=last)


def _try(value: object) -> TryRun | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not {"chapter", "scenario"} <= set(value) <= {"chapter", "scenario", "actions"}:
        raise ValueError("try must be { chapter, scenario, actions }")
    actions = value.get("actions", "")
    if not isinstance(actions, str) or len(actions) > MAX_ACTIONS:
        raise ValueError(f"try.actions must be text of at most {MAX_ACTIONS} characters")
    return TryRun(chapter=_matching(value, "chapter", CHAPTER_ID, "a chapter id like \"G:033\""),
                  scenario=_matching(value, "scenario", SCENARIO_ID, "a scenario id"), actions=actions.strip())


def _matching(table: dict, key: str, pattern: re.Pattern[str], what: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{key} must be {what}")
    return value


def _text(table: dict, key: str, limit: int) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValueError(f"{key} must be text of 1 to {limit} characters")
    return value


def _problem(message: str, index: int | None = None) -> ContentError:
    detail: dict = {"file": FILE}
    if index is not None:
        detail["note"] = index + 1
    return ContentError(f"{FILE}: {message}", detail)

