"""The Lab value and its parts (Check, Hint, Question, Editable), each frozen with to_json().

`Lab.to_json()` is the student's view: hidden checks show as "hidden check N" with no text or expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

from .checks import Expectation


@dataclass(frozen=True, kw_only=True)
class Check:
    n: int                 # 1-based position in the lab file
    id: str
    text: str
    points: int
    hidden: bool
    chapter: str | None    # the chapter to reread when it fails
    expect: Expectation
    on_fail: str | None = None

    @property
    def label(self) -> str:
        return f"hidden check {self.n}" if self.hidden else self.text

    def to_json(self, instructor: bool = False) -> dict:
        if self.hidden and not instructor:
            return {"n": self.n, "hidden": True, "points": self.points, "text": self.label}
        out = {"n": self.n, "id": self.id, "hidden": self.hidden, "points": self.points, "text": self.text,
               "chapter": self.chapter}
        if instructor:
            out.update(expect=self.expect.source, describe=self.expect.predicate.describe(), on_fail=self.on_fail)
        return out


@dataclass(frozen=True)
class Hint:
    n: int
    text: str
    after: int  # failed attempts after which the hint is shown without asking

    def to_json(self) -> dict:
        return {"n": self.n, "after": self.after, "text": self.text}


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    kind: str = "number"   # number | text | choice
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "prompt": self.prompt, "kind": self.kind, "choices": list(self.choices)}


@dataclass(frozen=True)
class Editable:
    """Which lines of which file a student may replace; `lines` already includes the labels' routines."""

    file: str
    lines: tuple[int, ...]
    labels: tuple[str, ...] = ()
    max_edited_lines: int = 8
    original: tuple[tuple[int, str], ...] = ()  # (line, text) of each editable line as shipped

    def to_json(self) -> dict:
        return {"file": self.file, "lines": list(self.lines), "labels": list(self.labels),
                "max_edited_lines": self.max_edited_lines,
                "original": [{"line": n, "text": text} for n, text in self.original]}


@dataclass(frozen=True, kw_only=True)
class Lab:
    id: str
    title: str
    version: str
    scenario: str
    chapters: tuple[str, ...]
    instructions: str
    checks: tuple[Check, ...]
    hints: tuple[Hint, ...] = ()
    questions: tuple[Question, ...] = ()
    editable: Editable | None = None
    setup: str = ""
    finish: str = ""
    student_actions: bool = True
    max_actions: int = 200
    insn_budget: int | None = None
    path: str = ""
    scenario_title: str = ""          # what lab mode calls the scenario (the scenario file's text may give answers)
    scenario_description: str = ""
    digest: str = ""   # sha256 of the lab file: a grade names the exact lab text it used

    @property
    def max_score(self) -> int:
        return sum(check.points for check in self.checks)

    def hints_revealed(self, failed_attempts: int, requested: int = 0) -> list[Hint]:
        """Hint k shows after k failed attempts (or its own `after`), or when the student asked for k hints."""
        return [h for h in self.hints if h.after <= failed_attempts or h.n <= requested]

    def to_json(self, instructor: bool = False) -> dict:
        return {
            "id": self.id, "title": self.title, "version": self.version, "scenario": self.scenario,
            "scenario_title": self.scenario_title or self.title, "scenario_description": self.scenario_description,
            "chapters": list(self.chapters), "instructions": self.instructions,
            "setup": self.setup, "finish": self.finish, "student_actions": self.student_actions,
            "max_actions": self.max_actions, "insn_budget": self.insn_budget,
            "editable": self.editable.to_json() if self.editable else None,
            "questions": [q.to_json() for q in self.questions],
            "checks": [c.to_json(instructor) for c in self.checks],
            "max_score": self.max_score,
            # the student view says how many hints exist and when each opens, not what they say
            "hints": [h.to_json() if instructor else {"n": h.n, "after": h.after} for h in self.hints],
            "digest": self.digest,
        }
