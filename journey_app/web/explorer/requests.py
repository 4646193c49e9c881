"""Request validation of the explorer API: the JSON body of `POST /api/run` and the version, chapter and
scenario parameters, each refused with the site's one error shape (BadInput, NotFound, TooLarge, 415).

Only checks and normalises what the client sent; must not replay, build or touch the response memo.
"""

from __future__ import annotations

import dataclasses
import re

from flask import request

from ...errors import BadInput, NotFound, TooLarge, UnsupportedMediaType
from ...runs import split_actions
from ...runs.actions import ActionList
from ..infra.context import catalog, settings
from .response import EVENT_KINDS
from ..infra.json_input import read_json_object

RUN_FIELDS = {"scenario", "actions", "version", "source", "max_events", "kinds", "events_from"}
DEFAULT_MAX_EVENTS = 1000
MAX_EVENTS_LIMIT = 10000
SCENARIO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
CHAPTER_ID = re.compile(r"^([A-Z])[:-](\d{3})$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$")




@dataclasses.dataclass(frozen=True)
class RunRequest:
    """A checked `POST /api/run` body; `source` is None when the run uses the shipped kernel."""

    scenario_id: str
    version: str
    actions: str
    source: dict[str, str] | None
    max_events: int
    events_from: int
    kinds: list | None


def raw_json() -> bytes:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the run as JSON with Content-Type: application/json",
                                   {"content_type": request.content_type})
    return request.get_data(cache=False)   # over MAX_CONTENT_LENGTH: werkzeug raises 413 here


def parse_json(raw: bytes) -> dict:
    return read_json_object(raw)


def run_request(body: dict) -> RunRequest:
    """Every field of a run body checked, in the order the errors are reported."""
    unknown = sorted(set(body) - RUN_FIELDS)
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(unknown)}", {"unknown": unknown, "allowed": sorted(RUN_FIELDS)})
    if "scenario" not in body:
        raise BadInput("the field 'scenario' is required", {"field": "scenario"})
    nulls = sorted(name for name, value in body.items() if value is None)
    if nulls:   # an optional field is left out, not sent as null (the document types each one)
        raise BadInput(f"null is not a value for {', '.join(nulls)}: leave optional fields out",
                       {"field": nulls[0], "null": nulls})
    scenario_id = checked_scenario_id(body["scenario"], field="scenario")
    version = checked_version(body.get("version"), field="version")
    actions = body.get("actions", "")
    if not isinstance(actions, str):
        raise BadInput("'actions' must be a string in the action grammar (actions separated by ';' or newlines)",
                       {"field": "actions", "type": type(actions).__name__})
    limit = settings().max_actions
    # Two C-speed counts bound the number of actions: the exact split is made only when that bound is over
    # the limit (a Step at history 1,000 must not split the list once more just to count it).
    count = ActionList(actions).upper_bound()
    if count > limit:
        count = len(split_actions(actions))
    if count > limit:
        raise TooLarge(f"{count} actions is more than the {limit} one run may have",
                       {"field": "actions", "count": count, "limit": limit})
    source = body.get("source")
    if source is not None:
        source = checked_source(source, version)
    max_events = body.get("max_events", DEFAULT_MAX_EVENTS)
    if isinstance(max_events, bool) or not isinstance(max_events, int) or not 0 <= max_events <= MAX_EVENTS_LIMIT:
        raise BadInput(f"'max_events' must be an integer from 0 to {MAX_EVENTS_LIMIT}", {"field": "max_events"})
    events_from = body.get("events_from", 0)
    if isinstance(events_from, bool) or not isinstance(events_from, int) or not 0 <= events_from <= limit:
        raise BadInput(f"'events_from' must be an action index from 0 to {limit}", {"field": "events_from"})
    kinds = body.get("kinds")
    if kinds is not None:
        if (not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds)
                or len(set(kinds)) != len(kinds) or not set(kinds) <= set(EVENT_KINDS)):
            raise BadInput("'kinds' must be a list of distinct event kinds",
                           {"field": "kinds", "allowed": list(EVENT_KINDS)})
    return RunRequest(scenario_id, version, actions, source, max_events, events_from, kinds)


def checked_version(value, field: str = "version") -> str:
    cat = catalog()
    if value is None:
        return cat.default_version()
    if not isinstance(value, str) or not VERSION.match(value):
        raise BadInput("'version' must be a kernel version such as 2.6.31", {"field": field})
    if value not in cat.versions():
        raise NotFound(f"no kernel version {value!r}", {"field": field, "version": value, "known": cat.versions()})
    return value


def checked_chapter(value) -> str | None:
    if value is None:
        return None
    match = CHAPTER_ID.match(value)
    if not match:
        raise BadInput("'chapter' must be a chapter id such as G:033 (or G-033)", {"field": "chapter", "value": value})
    return f"{match.group(1)}:{match.group(2)}"


def checked_scenario_id(value, field: str = "scenario_id") -> str:
    if not isinstance(value, str) or not SCENARIO_ID.match(value):
        raise BadInput("a scenario id is letters, digits, '_', '.' and '-' (at most 100)", {"field": field})
    return value


def checked_source(value, version: str) -> dict[str, str]:
    """One edited kernel file (path → its whole new text, same line count). Only the shape is checked
    here; the text itself goes through the edit sandbox (explorer/api.py's `sandboxed_build`) before any tool runs."""
    if (not isinstance(value, dict) or len(value) != 1
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
        raise BadInput("'source' must map one kernel file path to its edited text", {"field": "source"})
    (path, _text), = value.items()
    files = catalog().library.files(version)
    if path not in files:
        raise BadInput(f"'source' may only replace a kernel file of {version}; {path!r} is not one",
                       {"field": "source", "file": path, "editable": files})
    return value
