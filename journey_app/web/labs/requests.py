"""Request parsing of the lab API: the JSON body, the grade body (GradeRequest), the run body, and the
student, edits, answers and hints fields, each refused with the site's one error shape.

Only checks what the client sent against the limits here; must not grade, build, replay or open the store.
"""

from __future__ import annotations

import dataclasses
import re

from flask import request

from ...errors import BadInput, TooLarge, UnsupportedMediaType
from ...labs import Lab, Submission
from ...labs.grading import changed_edits
from ...labs.store import STUDENT_MAX, validate_student
from ...runs import split_actions
from ...runs.actions import ActionError, parse_action
from ..infra.context import settings
from ..explorer.requests import DEFAULT_MAX_EVENTS, MAX_EVENTS_LIMIT
from ..explorer.response import EVENT_KINDS
from ..infra.json_input import read_json_object

GRADE_FIELDS = ("student", "actions", "edits", "answers", "save", "hints")
RUN_FIELDS = ("scenario", "version", "actions", "edits", "events_from", "max_events", "kinds")
MAX_HINTS_ASKED = 100
MAX_EDIT_KEYS = 64
MAX_EDIT_CHARS = 4096
MAX_ANSWER_CHARS = 200
_LINE_KEY = re.compile(r"^[0-9]{1,6}$")
_COUNT = re.compile(r"^[0-9]{1,3}$")




def json_body() -> dict:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the request as JSON with Content-Type: application/json",
                                   {"content_type": request.content_type})
    raw = request.get_data(cache=False)   # over MAX_CONTENT_LENGTH: werkzeug answers 413 here
    return read_json_object(raw)


def reject_unknown(body: dict, allowed: tuple[str, ...]) -> None:
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


def grade_request(body: dict, lab: Lab) -> GradeRequest:
    reject_unknown(body, GRADE_FIELDS)
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


def events_options(body: dict) -> tuple[int, int, list | None]:
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


def student_actions(body: dict) -> str:
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
