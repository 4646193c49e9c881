"""Grades a submission: checks it against the lab, builds edited source in the sandbox, replays, evaluates checks.

Deterministic by construction: the same lab text and submission give the same Grade JSON, byte for byte.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..caches import BoundedCache
from ..errors import BadInput, BuildError, NotFound, SandboxRefused
from ..runs import load_scenario, split_actions
from ..toolchain.sandbox import SandboxPolicy, build_edited
from .context import LabContext
from .loader import load_lab
from .model import Lab
from .predicates import Result
from .results import Grade, check_results
from .submission import Submission
from .trace import Trace

_LAB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def find_lab(spec: str, context: LabContext) -> Lab:
    """A lab by id (<content>/labs/<id>.toml) or by path to a lab file."""
    path = Path(spec)
    if spec.endswith(".toml") and path.is_file():
        return load_lab(path, context)
    if not _LAB_ID.match(spec):
        raise NotFound(f"no lab {spec!r}", {"lab": spec})
    path = context.content_root / "labs" / f"{spec}.toml"
    if not path.is_file():
        raise NotFound(f"no lab {spec!r} under {context.content_root / 'labs'}", {"lab": spec})
    return load_lab(path, context)


def compose_actions(lab: Lab, student: str) -> str:
    """The run's action text: the lab's setup, then the student's actions, then the lab's finish."""
    return "\n".join(part.strip() for part in (lab.setup, student, lab.finish) if part and part.strip())


def check_submission(lab: Lab, submission: Submission) -> None:
    """Refuse what the lab does not let a student submit, before anything is built or run."""
    if submission.actions.strip() and not lab.student_actions:
        raise BadInput(f"lab {lab.id} takes no actions: its run is fixed; submit edits or answers",
                       {"field": "actions"})
    count = len(split_actions(submission.actions))
    if count > lab.max_actions:
        raise BadInput(f"{count} actions; lab {lab.id} allows at most {lab.max_actions}",
                       {"field": "actions", "count": count, "limit": lab.max_actions})
    if submission.edits and lab.editable is None:
        raise SandboxRefused(f"lab {lab.id} has no editable lines", {"line": submission.edits[0][0],
                                                                     "reason": "this lab has no editable lines"})
    questions = {q.id: q for q in lab.questions}
    for key, value in submission.answers:
        if key not in questions:
            raise BadInput(f"lab {lab.id} has no question {key!r}", {"field": f"answers.{key}"})
        choices = questions[key].choices
        if choices and value not in choices:
            raise BadInput(f"answer {key!r} must be one of {', '.join(choices)}", {"field": f"answers.{key}"})


def changed_edits(lab: Lab, edits: dict[str, str]) -> dict[str, str]:
    """Only lines whose text differs from the kernel as shipped are edits: a page may send every box
    ({"<line>": "<text>"}, line numbers as text, leading zeros allowed)."""
    original = {str(n): text for n, text in lab.editable.original} if lab.editable else {}
    return {line: text for line, text in edits.items() if original.get(line.lstrip("0") or "0") != text}


def edited_lab_build(catalog, lab: Lab, edits, policy: SandboxPolicy | None = None):
    """The lab's build with the student's `edits`, through the edit sandbox. SandboxRefused for a lab with no
    editable lines or a refused line; a BuildError that does not build carries only what a student may see:
    the file, the tool messages on their lines and the lines they edited (no commands, no scratch paths)."""
    if lab.editable is None:
        raise SandboxRefused(f"lab {lab.id} has no editable lines",
                             {"line": edits[0][0], "reason": "this lab has no editable lines"})
    policy = policy or SandboxPolicy(max_edited_lines=lab.editable.max_edited_lines)
    try:
        return build_edited(catalog, lab.version, lab.editable.file, edits, lab.editable.lines, policy)
    except BuildError as exc:
        detail = exc.detail or {}
        raise BuildError(exc.message, {key: detail.get(key) for key in ("file", "lines", "edited")}) from None


def grade(lab: Lab, submission: Submission, catalog, *, settings=None,
          policy: SandboxPolicy | None = None) -> Grade:
    """Build (if edited), replay and evaluate every check. SandboxRefused/BadInput for refused submissions;
    a submission whose edit does not assemble is graded 0 with the assembler's messages on its lines."""
    check_submission(lab, submission)
    policy = policy or SandboxPolicy(max_edited_lines=lab.editable.max_edited_lines if lab.editable else 8)
    build_info = None
    if submission.edits:
        try:
            build = edited_lab_build(catalog, lab, submission.edits, policy)
        except BuildError as exc:
            detail = exc.detail or {}
            lines = tuple(detail.get("lines") or ({"line": None, "message": exc.message, "yours": False},))
            not_run = Result(False, "not run: the edited source does not build")
            return Grade(lab=lab, submission_digest=submission.digest(),
                         checks=check_results(lab, lambda check: not_run), run={"status": "not_run"},
                         build_errors=lines)
        build_info = {"input_hash": build.input_hash, "edited": [n for n, _ in submission.edits]}
    else:
        build = catalog.build(lab.version)
    digest = submission.digest()
    key = _grade_key(catalog, lab, digest, build, settings)
    found = _GRADES.get(key) if key is not None else None
    if found is not None:
        return found
    state, events = run_lab(catalog, lab, build, compose_actions(lab, submission.actions), settings)
    symbols = {name: sym.address for name, sym in build.symbols.items()}
    trace = Trace(state, events, symbols, dict(submission.answers))
    results = check_results(lab, lambda check: check.expect.predicate.evaluate(trace))
    graded = Grade(lab=lab, submission_digest=digest, checks=results, run=run_summary(state), build=build_info)
    if key is not None:
        _GRADES.put(key, graded)
    return graded


# Grades of submissions that built and ran, by everything a grade is a function of (the module's promise:
# same lab text, submission, build, scenario and settings, same Grade): a class sending the same actions is
# replayed and checked once per process. A refused submission or a run over its time budget raises and is
# never kept. About 4 KiB a grade (its checks' details; the Lab is shared with the lab shelf).
_GRADES: BoundedCache[tuple, Grade] = BoundedCache("labs.grades", 2 << 20, sizeof=lambda key, graded: 4096)


def _grade_key(catalog, lab: Lab, digest: str, build, settings) -> tuple | None:
    if not lab.digest:   # a Lab made in code, not read from a file: nothing names its text
        return None
    scenario = load_scenario(catalog.content_root, lab.version, lab.scenario)
    return (lab.id, lab.digest, digest, build.input_hash, scenario.digest, str(catalog.content_root),
            settings or catalog.settings)


def run_summary(state: dict) -> dict:
    keys = ("status", "reason", "insn_count", "eip", "location")
    return {key: state.get(key) for key in keys}


def run_lab(catalog, lab: Lab, build, actions: str, settings) -> tuple[dict, list]:
    """Replay the lab's scenario on `build` with `actions`; the run's final state and events as JSON."""
    from .replaying import replay_json

    return replay_json(catalog, lab, build, actions, settings)
