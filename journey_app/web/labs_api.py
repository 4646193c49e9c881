"""Lab JSON API: list labs, one lab's student view, try an edited source (`/run`), grade (`/grade`).

Only translates HTTP to `journey_app.labs` and back (validation, limits, the store, hints); grading,
the sandbox and the checks live in the labs package. Hidden checks never reach a response: every
lab and grade goes out through their student views. Documented by OPENAPI below (merged by openapi.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Blueprint, Flask, current_app, request, url_for

from ..errors import BadInput, BuildError, JourneyError, NotFound, SandboxRefused, TooLarge
from ..labs import Lab, LabContext, LabInvalid, Submission, grade, read_lab
from ..labs.store import STUDENT_MAX, open_store, validate_student
from ..runs import Run, replay, split_actions
from ..runs.actions import ActionError, parse_action
from ..toolchain.sandbox import SandboxPolicy, build_edited
from .context import catalog, settings
from .explorer_api import EVENT_KINDS, shape_response
from .listing import listing
from .pages import chapter_url
from .ratelimit import limiter, rate_limited

bp = Blueprint("labs_api", __name__)

SHELF_KEY = "journey.labs.shelf"
BUILT_KEY = "journey.labs.built"
LAB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
GRADE_FIELDS = ("student", "actions", "edits", "answers", "save", "hints")
RUN_FIELDS = ("scenario", "version", "actions", "edits", "events_from", "max_events", "kinds")
MAX_HINTS_ASKED = 100
MAX_EDIT_KEYS = 64
MAX_EDIT_CHARS = 4096
MAX_ANSWER_CHARS = 200
_LINE_KEY = re.compile(r"^[0-9]{1,6}$")
_COUNT = re.compile(r"^[0-9]{1,3}$")
DEFAULT_MAX_EVENTS = 1000
MAX_EVENTS_LIMIT = 10000
CONTEXT_UP = 24      # how far above the first editable line the routine's label may be
CONTEXT_DOWN = 40    # how far below the last editable line the listing may reach


class UnsupportedMediaType(JourneyError):
    code = "unsupported_media_type"
    status = 415


def register(app: Flask) -> None:
    app.register_blueprint(bp)


# -- the labs of the content root ---------------------------------------------------------------------


class LabShelf:
    """The content root's labs, each re-read only when its file changes (instructors edit them in place).

    Per process; holds parsed Lab values and the problems of files that do not load, nothing per user."""

    def __init__(self, context: LabContext):
        self.context = context
        self._cache: dict[Path, tuple[tuple[int, int], Lab | None, list]] = {}
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return self.context.content_root / "labs"

    def _read(self, path: Path) -> tuple[Lab | None, list]:
        """(the Lab or None, its problems); FileNotFoundError when the file went away meanwhile."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._cache.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1], hit[2]
        lab, problems = read_lab(path, self.context)
        with self._lock:
            self._cache[path] = (stamp, lab, problems)
        return lab, problems

    def all(self) -> tuple[list[Lab], list]:
        """(every lab that loads, in id order; the problems of the files that do not)."""
        labs, problems = [], []
        for path in sorted(self.folder.glob("*.toml")) if self.folder.is_dir() else []:
            try:
                lab, found = self._read(path)
            except FileNotFoundError:
                continue
            if lab is not None:
                labs.append(lab)
            problems += found
        return labs, problems

    def lab(self, lab_id: str) -> Lab:
        if not isinstance(lab_id, str) or not LAB_ID.fullmatch(lab_id):
            raise NotFound(f"no lab {lab_id!r}", {"lab": lab_id})
        try:
            lab, problems = self._read(self.folder / f"{lab_id}.toml")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(f"no lab {lab_id!r}", {"lab": lab_id}) from None
        if lab is None:
            raise LabInvalid(f"labs/{lab_id}.toml", problems)
        return lab


def shelf() -> LabShelf:
    ext = current_app.extensions
    if SHELF_KEY not in ext:
        ext.setdefault(SHELF_KEY, LabShelf(LabContext(settings().content_root, catalog())))
    return ext[SHELF_KEY]


# -- the student's view of a lab ----------------------------------------------------------------------


def lab_summary(lab: Lab) -> dict:
    return {
        "id": lab.id, "title": lab.title, "version": lab.version, "scenario": lab.scenario,
        "chapters": list(lab.chapters), "max_score": lab.max_score, "checks": len(lab.checks),
        "hints": len(lab.hints), "student_actions": lab.student_actions,
        "editable": lab.editable is not None, "questions": len(lab.questions),
        "url": url_for("labs_pages.lab", ref=lab.id), "api": url_for("labs_api.lab_detail", lab_id=lab.id),
    }


def chapter_link(lab: Lab, chapter_id: str | None) -> dict | None:
    """A chapter's id, title and page URL (title and URL None when the content lacks the chapter)."""
    if not chapter_id:
        return None
    try:
        chapter = catalog().library.chapter(lab.version, chapter_id)
    except JourneyError:
        return {"id": chapter_id, "title": None, "url": None}
    return {"id": chapter.id, "title": chapter.title, "url": chapter_url(lab.version, chapter.slug)}


def chapter_links(lab: Lab) -> list[dict]:
    return [chapter_link(lab, chapter_id) for chapter_id in lab.chapters]


@dataclasses.dataclass(frozen=True)
class SourceContext:
    """The lines a lab page shows: the editable lines and their routine, or the first chapter's code."""

    file: str
    first: int
    last: int
    editable: frozenset[int]

    def lines(self, version: str):
        return listing(version, self.file).span(self.first, self.last)


def source_context(lab: Lab) -> SourceContext | None:
    try:
        if lab.editable is not None:
            lines = listing(lab.version, lab.editable.file).lines
            first, last = _around(lines, min(lab.editable.lines), max(lab.editable.lines))
            return SourceContext(lab.editable.file, first, last, frozenset(lab.editable.lines))
        if not lab.chapters:
            return None
        chapter = catalog().library.chapter(lab.version, lab.chapters[0])
        if not chapter.code_lines:
            return None
        return SourceContext(chapter.file, min(chapter.code_lines), max(chapter.code_lines), frozenset())
    except JourneyError as exc:
        current_app.logger.warning("no source context for lab %s: %s", lab.id, exc.message)
        return None


def _around(lines, first: int, last: int) -> tuple[int, int]:
    """From the routine's label above `first` to the end of the routine after `last` (the one a branch
    from the edited lines most likely lands in), trimmed to code at both ends."""
    start = next((n for n in range(first, max(1, first - CONTEXT_UP) - 1, -1) if lines[n - 1].label), None)
    start = start if start is not None else max(1, first - 8)
    labels_after = [n for n in range(last + 1, min(len(lines), last + CONTEXT_DOWN) + 1) if lines[n - 1].label]
    end = labels_after[1] - 1 if len(labels_after) > 1 else min(len(lines), last + 8)
    while end > last and lines[end - 1].role != "code":
        end -= 1
    return start, end


def lab_detail_json(lab: Lab, student: str | None = None, hints_asked: int = 0) -> dict:
    """The student's view of a lab (`Lab.to_json()`), plus links, the source around the editable lines,
    and the hints open for this student (after their failed attempts, or as many as they asked for)."""
    data = lab.to_json()
    context = source_context(lab)
    failed = failed_attempts(student, lab) if student else 0
    data.update(
        url=url_for("labs_pages.lab", ref=lab.id),
        grade_url=url_for("labs_api.grade_lab", lab_id=lab.id),
        run_url=url_for("labs_api.run_lab", lab_id=lab.id),
        chapter_links=chapter_links(lab),
        source=None if context is None else {
            "file": context.file, "first": context.first, "last": context.last,
            "lines": [{"line": line.line, "text": line.text, "role": line.role, "editable": line.line in context.editable,
                       "address": line.address, "label": line.label} for line in context.lines(lab.version)],
        },
        student=student,
        failed_attempts=failed,
        hints_open=[h.to_json() for h in lab.hints_revealed(failed, hints_asked)],
    )
    return data


def failed_attempts(student: str, lab: Lab) -> int:
    return open_store(settings().database_url).failed_attempts(student, lab.id)


# -- request parsing -------------------------------------------------------------------------------


def json_body() -> dict:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the request as JSON with Content-Type: application/json",
                                   {"content_type": request.content_type})
    raw = request.get_data(cache=False)   # over MAX_CONTENT_LENGTH: werkzeug answers 413 here
    try:
        body = json.loads(raw)
    except UnicodeDecodeError:
        raise BadInput("the request body is not UTF-8", {"field": None}) from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"the request body is not valid JSON: {exc.msg}",
                       {"line": exc.lineno, "column": exc.colno, "position": exc.pos}) from None
    except RecursionError:
        raise BadInput("the request body is nested too deeply", {"field": None}) from None
    if not isinstance(body, dict):
        raise BadInput("the request body must be a JSON object", {"type": type(body).__name__})
    return body


def _unknown(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(unknown)}", {"unknown": unknown, "allowed": list(allowed)})


def student_name(value, required: bool = False) -> str | None:
    """A student's name or id as the store keeps it; None when absent and not required."""
    if value is None and not required:
        return None
    if isinstance(value, str) and len(value) > STUDENT_MAX:
        # checked before the store's whitespace folding, so a long name is never silently shortened
        raise BadInput(f"student must be 1 to {STUDENT_MAX} characters", {"field": "student"})
    return validate_student(value)


def edits_object(value) -> dict:
    """The API takes edits as {"<line>": "<text>"} only (the labs core also reads a list form)."""
    if (not isinstance(value, dict) or len(value) > MAX_EDIT_KEYS
            or not all(isinstance(k, str) and _LINE_KEY.fullmatch(k) and isinstance(v, str) and len(v) <= MAX_EDIT_CHARS
                       for k, v in value.items())):
        raise BadInput(f'edits is an object {{"<line number>": "<replacement text>"}} of at most {MAX_EDIT_KEYS} lines '
                       f'of at most {MAX_EDIT_CHARS} characters',
                       {"field": "edits"})
    return value


def answers_object(value) -> dict:
    """Answers are short: a long one is a malformed request (400), not a large one."""
    if not isinstance(value, dict):
        raise BadInput("answers is an object: question id → answer", {"field": "answers"})
    for key, answer in value.items():
        if isinstance(answer, bool) or not isinstance(answer, (str, int)):
            raise BadInput(f"answer {key!r} must be text or a number", {"field": f"answers.{key}"})
        if isinstance(answer, str) and len(answer) > MAX_ANSWER_CHARS:
            raise BadInput(f"answer {key!r} is longer than {MAX_ANSWER_CHARS} characters", {"field": f"answers.{key}"})
    return value


def hints_asked(value) -> int:
    if value is None:
        return 0
    if isinstance(value, str) and _COUNT.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HINTS_ASKED:
        raise BadInput(f"hints is how many hints you ask for: 0 to {MAX_HINTS_ASKED}", {"field": "hints"})
    return value


@dataclasses.dataclass(frozen=True)
class GradeRequest:
    student: str | None
    submission: Submission
    save: bool
    hints: int


def changed_edits(lab: Lab, edits: dict) -> dict:
    """Only lines whose text differs from the kernel as shipped are edits: a page may send every box."""
    original = {str(n): text for n, text in lab.editable.original} if lab.editable else {}
    return {line: text for line, text in edits.items() if original.get(line.lstrip("0") or "0") != text}


def grade_request(body: dict, lab: Lab) -> GradeRequest:
    _unknown(body, GRADE_FIELDS)
    save = body.get("save", False)
    if not isinstance(save, bool):
        raise BadInput("save is true or false", {"field": "save"})
    # a student given (even null) is validated; none at all is fine unless the attempt is to be saved
    student = student_name(body.get("student"), required=True) if "student" in body or save else None
    parts = {k: body[k] for k in ("actions", "answers") if k in body}
    if "answers" in body:
        answers_object(body["answers"])
    if "edits" in body:
        parts["edits"] = changed_edits(lab, edits_object(body["edits"]))
    submission = Submission.from_json(parts)
    if "hints" in body and body["hints"] is None:
        raise BadInput("hints is how many hints you ask for, a number", {"field": "hints"})
    return GradeRequest(student, submission, save, hints_asked(body.get("hints")))


# -- grading ----------------------------------------------------------------------------------------


def grade_json(lab: Lab, req: GradeRequest) -> dict:
    """Grade, record when asked, and add what the page needs: links, advice, hints, the stored attempt."""
    result = grade(lab, req.submission, catalog(), settings=settings()).to_json()
    saved, failed = None, 0
    if req.student:
        store = open_store(settings().database_url)
        if req.save:
            stored = store.record(req.student, lab.id, req.submission.to_json(), result)
            saved = {"id": stored.id, "created_at": stored.created_at.isoformat()}
        failed = store.failed_attempts(req.student, lab.id)
    by_n = {check.n: check for check in lab.checks}
    checks = []
    for row in result["checks"]:
        row = dict(row)
        check = by_n[row["n"]]
        if not check.hidden:   # hidden checks go out exactly as Grade.to_json() anonymised them
            link = chapter_link(lab, check.chapter)
            row["chapter_url"] = link["url"] if link else None
            row["chapter_title"] = link["title"] if link else None
            row["advice"] = check.on_fail if not row["passed"] else None
        checks.append(row)
    result["checks"] = checks
    result["reread_links"] = [chapter_link(lab, c) for c in result["reread"]]
    result.update(
        student=req.student, saved=saved, failed_attempts=failed,
        hints=[h.to_json() for h in lab.hints_revealed(failed, req.hints)], hints_total=len(lab.hints),
    )
    return result


# -- trying an edited source ---------------------------------------------------------------------------


def _edit_key(lab: Lab, edits) -> str:
    return hashlib.sha256(json.dumps([lab.version, lab.editable.file, list(edits)]).encode()).hexdigest()


def _built() -> OrderedDict:
    return current_app.extensions.setdefault(BUILT_KEY, OrderedDict())


def edited_build(lab: Lab, edits):
    """The lab's build with the student's edits, through the sandbox.

    Builds count against the client's rate limit, except an edit set already built here (the build
    cache answers it without running a tool): stepping the machine on "my version" stays free."""
    if lab.editable is None:
        raise SandboxRefused(f"lab {lab.id} has no editable lines",
                             {"line": edits[0][0], "reason": "this lab has no editable lines"})
    key = _edit_key(lab, edits)
    built = _built()
    if key not in built:
        limiter().check("grade", request.remote_addr or "unknown")
    policy = SandboxPolicy(max_edited_lines=lab.editable.max_edited_lines)
    try:
        build = build_edited(catalog(), lab.version, lab.editable.file, edits, lab.editable.lines, policy)
    except SandboxRefused:
        raise
    except BuildError as exc:
        # The tool messages mapped to the student's lines; not the commands or scratch paths.
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        raise BuildError(exc.message, {key_: detail.get(key_) for key_ in ("file", "lines", "edited")}) from None
    built[key] = True
    built.move_to_end(key)
    while len(built) > 512:
        built.popitem(last=False)
    return build


def _events_option(body: dict) -> tuple[int, int, list | None]:
    max_events = body.get("max_events", DEFAULT_MAX_EVENTS)
    if isinstance(max_events, bool) or not isinstance(max_events, int) or not 0 <= max_events <= MAX_EVENTS_LIMIT:
        raise BadInput(f"'max_events' must be an integer from 0 to {MAX_EVENTS_LIMIT}", {"field": "max_events"})
    limit = settings().max_actions
    events_from = body.get("events_from", 0)
    if isinstance(events_from, bool) or not isinstance(events_from, int) or not 0 <= events_from <= limit:
        raise BadInput(f"'events_from' must be an action index from 0 to {limit}", {"field": "events_from"})
    kinds = body.get("kinds")
    if "kinds" in body:
        if (not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds)
                or len(set(kinds)) != len(kinds) or not set(kinds) <= set(EVENT_KINDS)):
            raise BadInput("'kinds' must be a list of distinct event kinds",
                           {"field": "kinds", "allowed": list(EVENT_KINDS)})
    return max_events, events_from, kinds


def _student_actions(body: dict) -> str:
    actions = body.get("actions", "")
    if not isinstance(actions, str):
        raise BadInput("'actions' must be a string in the action grammar (actions separated by ';' or newlines)",
                       {"field": "actions"})
    pieces = split_actions(actions)
    limit = settings().max_actions
    if len(pieces) > limit:
        raise TooLarge(f"{len(pieces)} actions is more than the {limit} one run may have",
                       {"field": "actions", "count": len(pieces), "limit": limit})
    for index, text in enumerate(pieces):
        try:
            parse_action(text, index)
        except ActionError as exc:   # positions in the student's own text, not in setup + theirs
            raise exc.to_bad_input(actions) from None
    return actions


def run_json(lab: Lab, body: dict) -> dict:
    """Replay the lab's scenario: its setup, then the student's actions, on their edited build.

    The answer has the shape of POST /api/run, with action indices counted from the student's first
    action (the setup's events are action -1, like a scenario's own set-up), so the explorer can
    render it unchanged."""
    _unknown(body, RUN_FIELDS)
    for field, want in (("scenario", lab.scenario), ("version", lab.version)):
        if field in body and body[field] != want:
            raise BadInput(f"lab {lab.id} runs {field} {want!r}", {"field": field, "expected": want})
    actions = _student_actions(body)
    max_events, events_from, kinds = _events_option(body)
    edits = Submission.from_json({"edits": changed_edits(lab, edits_object(body.get("edits", {})))}).edits
    build = edited_build(lab, edits) if edits else catalog().build(lab.version)
    run_settings = settings()
    if lab.insn_budget is not None:
        run_settings = dataclasses.replace(run_settings, insn_budget=lab.insn_budget)
    setup = len(split_actions(lab.setup))
    text = "\n".join(part for part in (lab.setup.strip(), actions.strip()) if part)
    result = replay(Run(lab.version, lab.scenario, text), catalog=catalog(), settings=run_settings, build=build,
                    events_from=setup + events_from if events_from else 0).to_json()
    for event in result["events"]:
        index = event.get("action_index")
        if isinstance(index, int):
            event["action_index"] = index - setup if index >= setup else -1
    result["actions"] = result["actions"][setup:]
    result["events_from"] = events_from
    payload = shape_response(lab.version, lab.scenario, result, max_events, kinds)
    payload.update(lab=lab.id, edited=[n for n, _ in edits],
                   build={"input_hash": build.input_hash, "edited": bool(edits)})
    return payload


# -- routes ---------------------------------------------------------------------------------------------


@bp.get("/api/labs")
def list_labs():
    labs, problems = shelf().all()
    if problems:
        current_app.logger.warning("%d problem(s) in lab files; `journey lab validate` lists them", len(problems))
    return {"labs": [lab_summary(lab) for lab in labs], "problems": [p.to_json() for p in problems]}


@bp.get("/api/labs/<lab_id>")
def lab_detail(lab_id: str):
    lab = shelf().lab(lab_id)
    return lab_detail_json(lab, student_name(request.args.get("student")), hints_asked(request.args.get("hints")))


@bp.post("/api/labs/<lab_id>/grade")
@rate_limited("grade")
def grade_lab(lab_id: str):
    lab = shelf().lab(lab_id)
    return grade_json(lab, grade_request(json_body(), lab))


@bp.post("/api/labs/<lab_id>/run")
def run_lab(lab_id: str):
    lab = shelf().lab(lab_id)
    return run_json(lab, json_body())


# -- OpenAPI (merged into /api/openapi.json by openapi.py) -------------------------------------------


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_LAB_ID_PARAM = {"name": "lab_id", "in": "path", "required": True, "description": "The lab's id (its file name).",
                 "schema": {"type": "string", "examples": ["irq-enable-fix"]}}
_STUDENT = {"type": "string", "minLength": 1, "maxLength": STUDENT_MAX,
            "description": "Name or id: letters, digits, spaces and . _ - @ ' , starting with a letter or digit."}
_EDITS = {"type": "object", "maxProperties": MAX_EDIT_KEYS,
          "propertyNames": {"pattern": "^[0-9]{1,6}$"},
          "additionalProperties": {"type": "string", "maxLength": MAX_EDIT_CHARS},
          "description": "Replacement text of editable source lines, by line number. Unchanged lines may be "
                         "sent; only changed ones count as edits."}
_HINT = {"type": "object", "required": ["n", "after", "text"],
         "properties": {"n": {"type": "integer"}, "after": {"type": "integer"}, "text": {"type": "string"}}}

OPENAPI = {
    "paths": {
        "/api/labs": {"get": {
            "operationId": "listLabs", "summary": "The labs of the content root.", "tags": ["labs"],
            "responses": {"200": _json(_ref("LabList"), "Every lab that loads, in id order.")},
        }},
        "/api/labs/{lab_id}": {"get": {
            "operationId": "getLab",
            "summary": "One lab as a student sees it: instructions, questions, visible checks, the editable lines "
                       "with the source around them, and the hints open for this student.",
            "tags": ["labs"],
            "parameters": [_LAB_ID_PARAM,
                           {"name": "student", "in": "query", "required": False, "schema": _STUDENT,
                            "description": "Whose failed attempts open hints."},
                           {"name": "hints", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_HINTS_ASKED},
                            "description": "How many hints the student asks to see."}],
            "responses": {"200": _json(_ref("Lab"), "The lab (hidden checks show only as 'hidden check N')."),
                          "400": _error("A malformed student or hints parameter."),
                          "404": _error("No such lab."),
                          "422": _error("The lab file has problems (lab_invalid; detail lists them).")},
        }},
        "/api/labs/{lab_id}/grade": {"post": {
            "operationId": "gradeLab",
            "summary": "Grade a submission by deterministic replay; optionally record it in the submissions store.",
            "description": "Same submission, same grade. Hints open after failed attempts stored for `student` "
                           "(or as many as `hints` asks). Rate limited per client (JOURNEY_GRADE_RATE a minute).",
            "tags": ["labs"],
            "parameters": [_LAB_ID_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("GradeRequest")}}},
            "responses": {
                "200": _json(_ref("GradeResponse"), "The grade: per-check results, score, feedback, hints. An "
                                                    "edit that does not build is graded 0 with build_errors."),
                "400": _error("Malformed JSON, an unknown field, actions in a lab that takes none, an unknown "
                              "question, a malformed student (or none with save)."),
                "404": _error("No such lab."),
                "413": _error("The body or the submission is too large."),
                "415": _error("The body is not sent as application/json."),
                "422": _error("The sandbox refused an edited line (sandbox_refused; detail: line, reason), or "
                              "the lab file has problems."),
                "429": _error("Too many grade requests from this client (detail: retry_after_seconds)."),
            },
        }},
        "/api/labs/{lab_id}/run": {"post": {
            "operationId": "runLab",
            "summary": "Try an edited source without grading: the lab's scenario, its setup, then these actions, "
                       "on a sandboxed build of the edits. The answer has the shape of POST /api/run.",
            "description": "Action indices count from the student's first action; the setup's events are "
                           "action -1. Building a new edit set counts against the client's rate limit.",
            "tags": ["labs"],
            "parameters": [_LAB_ID_PARAM],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("LabRunRequest")}}},
            "responses": {
                "200": _json(_ref("LabRunResponse"), "The replay's final state and its events."),
                "400": _error("Malformed JSON, an unknown field, another scenario or version than the lab's, or "
                              "a malformed action (detail: action_index, line, column, word, expected)."),
                "404": _error("No such lab."),
                "413": _error("The body is too large, or too many actions."),
                "415": _error("The body is not sent as application/json."),
                "422": _error("The sandbox refused an edited line (sandbox_refused; detail: line, reason), or the "
                              "edited source does not build (build_error; detail.lines: the assembler's messages "
                              "on your lines)."),
                "429": _error("Too many builds from this client."),
            },
        }},
    },
    "components": {"schemas": {
        "LabSummary": {
            "type": "object",
            "required": ["id", "title", "version", "scenario", "chapters", "max_score", "url", "api"],
            "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "version": {"type": "string"},
                "scenario": {"type": "string"}, "chapters": {"type": "array", "items": {"type": "string"}},
                "max_score": {"type": "integer"}, "checks": {"type": "integer"}, "hints": {"type": "integer"},
                "questions": {"type": "integer"}, "student_actions": {"type": "boolean"},
                "editable": {"type": "boolean"}, "url": {"type": "string"}, "api": {"type": "string"},
            },
        },
        "LabList": {"type": "object", "required": ["labs", "problems"],
                    "properties": {"labs": {"type": "array", "items": _ref("LabSummary")},
                                   "problems": {"type": "array", "description": "Why the other lab files do not load.",
                                                "items": {"type": "object",
                                                          "required": ["file", "line", "field", "message"],
                                                          "properties": {"file": {"type": "string"},
                                                                         "line": {"type": ["integer", "null"]},
                                                                         "field": {"type": "string"},
                                                                         "message": {"type": "string"}}}}}},
        "Lab": {
            "type": "object",
            "description": "Lab.to_json() (the student view) plus links, `source` (the lines around the editable "
                           "ones, or the first chapter's code) and `hints_open`.",
            "required": ["id", "title", "version", "scenario", "chapters", "instructions", "checks", "max_score",
                         "hints", "editable", "questions", "source", "hints_open", "grade_url", "run_url"],
            "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "instructions": {"type": "string"},
                "checks": {"type": "array", "items": {"type": "object", "required": ["n", "hidden", "points", "text"]}},
                "hints": {"type": "array", "items": {"type": "object", "required": ["n", "after"]},
                          "description": "When each hint opens; the text only in hints_open."},
                "hints_open": {"type": "array", "items": _HINT},
                "editable": {"type": ["object", "null"]},
                "source": {"type": ["object", "null"]},
                "failed_attempts": {"type": "integer", "minimum": 0},
            },
        },
        "GradeRequest": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "student": _STUDENT,
                "actions": {"type": "string", "description": "The student's actions (labs that take actions)."},
                "edits": _EDITS,
                "answers": {"type": "object", "additionalProperties": {"type": ["string", "integer"], "maxLength": MAX_ANSWER_CHARS},
                            "description": "Answers to the lab's questions, by question id."},
                "save": {"type": "boolean", "default": False,
                         "description": "Record the graded submission in the store (needs student)."},
                "hints": {"type": "integer", "minimum": 0, "maximum": MAX_HINTS_ASKED, "default": 0,
                          "description": "How many hints the student asks to see."},
            },
        },
        "GradeResponse": {
            "type": "object",
            "required": ["lab", "outcome", "score", "max_score", "passed", "summary", "reread", "checks",
                         "build_errors", "hints", "hints_total", "failed_attempts", "saved"],
            "properties": {
                "lab": {"type": "string"}, "outcome": {"enum": ["graded", "build_error"]},
                "score": {"type": "integer"}, "max_score": {"type": "integer"}, "passed": {"type": "boolean"},
                "summary": {"type": "string"}, "reread": {"type": "array", "items": {"type": "string"}},
                "checks": {"type": "array", "items": {
                    "type": "object", "required": ["n", "hidden", "passed", "points", "earned", "text", "feedback"]}},
                "build_errors": {"type": "array"},
                "hints": {"type": "array", "items": _HINT}, "hints_total": {"type": "integer"},
                "failed_attempts": {"type": "integer", "minimum": 0},
                "student": {"type": ["string", "null"]},
                "saved": {"type": ["object", "null"]},
            },
        },
        "LabRunRequest": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "actions": {"type": "string", "default": ""},
                "edits": _EDITS,
                "scenario": {"type": "string", "description": "Optional; must be the lab's."},
                "version": {"type": "string", "description": "Optional; must be the lab's."},
                "events_from": {"type": "integer", "minimum": 0, "default": 0},
                "max_events": {"type": "integer", "minimum": 0, "maximum": MAX_EVENTS_LIMIT, "default": 1000},
                "kinds": {"type": "array", "uniqueItems": True,
                          "items": {"enum": ["insn", "mem_write", "trap", "rewrite", "hypercall", "decision",
                                             "irq_delivered", "fault", "budget", "killed", "halted", "finished",
                                             "action", "notify"]}},
            },
        },
        "LabRunResponse": {
            "allOf": [_ref("RunResponse"), {
                "type": "object", "required": ["lab", "edited", "build"],
                "properties": {"lab": {"type": "string"},
                               "edited": {"type": "array", "items": {"type": "integer"}},
                               "build": {"type": "object"}}}],
        },
    }},
}
