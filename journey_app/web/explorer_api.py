"""Live-machine JSON API: list scenarios, and `POST /api/run` = replay (scenario, actions) → state + events.

Stateless: the client holds the action list and sends all of it each time, so any worker can answer.
Only translates HTTP to `journey_app.runs` and back (validation, limits, event trimming, a response memo);
no machine or Host logic lives here. Documented in openapi.py, which a test checks against these routes.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import OrderedDict

from flask import Blueprint, Flask, Response, current_app, request

from ..errors import BadInput, ContentError, JourneyError, NotFound, TooLarge
from ..runs import Run, load_scenario, replay, split_actions
from ..runs.actions import canonical
from ..runs.scenarios import scenario_library
from . import openapi
from .context import catalog, settings
from .ratelimit import limiter

bp = Blueprint("explorer_api", __name__)

EVENT_KINDS = ("insn", "mem_write", "trap", "rewrite", "hypercall", "decision", "irq_delivered", "fault",
               "budget", "killed", "halted", "finished", "action", "notify")
RUN_FIELDS = {"scenario", "actions", "version", "source", "max_events", "kinds", "events_from"}
DEFAULT_MAX_EVENTS = 1000
MAX_EVENTS_LIMIT = 10000
SCENARIO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
CHAPTER_ID = re.compile(r"^([A-Z])[:-](\d{3})$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$")
MEMO_KEY = "journey.explorer.memo"
BUILDS_KEY = "journey.explorer.builds"
BUILD_RECHECK_SECONDS = 1.0
MEMO_ENTRIES, MEMO_BYTES = 512, 32 * 1024 * 1024


class UnsupportedMediaType(JourneyError):
    code = "unsupported_media_type"
    status = 415


def register(app: Flask) -> None:
    app.extensions.setdefault(MEMO_KEY, ResponseMemo(MEMO_ENTRIES, MEMO_BYTES))
    app.extensions.setdefault(BUILDS_KEY, RecentBuilds(BUILD_RECHECK_SECONDS))
    app.register_blueprint(bp)
    app.register_blueprint(openapi.bp)


# -- a per-process memo of run responses --------------------------------------------------------------


class ResponseMemo:
    """Replays are deterministic (same run, same bytes), so a finished response body can be reused.

    Keyed by a hash of everything that shapes the body, including the build's input hash. The runs
    layer keeps its own checkpoints; this saves replaying and JSON-encoding identical requests (a
    class opening the same share link). Bounded in entries and in bytes; a body over a sixteenth
    of the byte budget is not kept."""

    def __init__(self, entries: int, max_bytes: int):
        self.entries = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._raw: OrderedDict[bytes, tuple] = OrderedDict()   # sha256(request bytes) -> (..., key)
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def get_raw(self, raw: bytes):
        """What these exact request bytes were answered with: (version, scenario, build hash,
        scenario digest, key of the body), or None."""
        with self._lock:
            return self._raw.get(hashlib.sha256(raw).digest())

    def put_raw(self, raw: bytes, seen: tuple) -> None:
        with self._lock:
            self._raw[hashlib.sha256(raw).digest()] = seen
            while len(self._raw) > self.entries:
                self._raw.popitem(last=False)

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 16:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes += len(body) - (len(old) if old is not None else 0)
            self._entries[key] = body
            while len(self._entries) > self.entries or self.bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped)


class RecentBuilds:
    """The version's Build, asked of the catalog at most once a second per process.

    Catalog.build() re-reads and hashes the kernel tree on every call (~1 ms, more than a cached
    replay); an edit of the content folder still shows up within BUILD_RECHECK_SECONDS."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._builds: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, version: str):
        now = time.monotonic()
        with self._lock:
            found = self._builds.get(version)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        build = catalog().build(version)
        with self._lock:
            self._builds[version] = (now, build)
        return build


# -- routes ---------------------------------------------------------------------------------------------


@bp.get("/api/scenarios")
def scenarios():
    version = _version(request.args.get("version"))
    chapter = _chapter(request.args.get("chapter"))
    listed, errors = _scenario_list(version)
    found = [s for s in listed if chapter is None or chapter in s["chapters"]]
    return {"version": version, "chapter": chapter, "scenarios": found, "errors": errors}


@bp.get("/api/scenarios/<scenario_id>")
def scenario(scenario_id: str):
    version = _version(request.args.get("version"))
    return _scenario_detail(version, _scenario_id(scenario_id))


@bp.post("/api/run")
def run():
    raw = _raw_json()
    memo: ResponseMemo = _memo()
    # Fast path: these exact bytes were answered before, and neither the build nor the scenario file
    # has changed since (the same share link opened by a whole class).
    seen = memo.get_raw(raw)
    if seen is not None:
        version, scenario_id, build_hash, scenario_digest, key = seen
        cached = memo.get(key)
        if (cached is not None and _build(version).input_hash == build_hash
                and load_scenario(catalog().content_root, version, scenario_id).digest == scenario_digest):
            return Response(cached, mimetype="application/json")
    body = _parse_json(raw)
    unknown = sorted(set(body) - RUN_FIELDS)
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(unknown)}", {"unknown": unknown, "allowed": sorted(RUN_FIELDS)})
    if "scenario" not in body:
        raise BadInput("the field 'scenario' is required", {"field": "scenario"})
    nulls = sorted(name for name, value in body.items() if value is None)
    if nulls:   # an optional field is left out, not sent as null (the document types each one)
        raise BadInput(f"null is not a value for {', '.join(nulls)}: leave optional fields out",
                       {"field": nulls[0], "null": nulls})
    scenario_id = _scenario_id(body["scenario"], field="scenario")
    version = _version(body.get("version"), field="version")
    actions = body.get("actions", "")
    if not isinstance(actions, str):
        raise BadInput("'actions' must be a string in the action grammar (actions separated by ';' or newlines)",
                       {"field": "actions", "type": type(actions).__name__})
    count = len(split_actions(actions))
    limit = settings().max_actions
    if count > limit:
        raise TooLarge(f"{count} actions is more than the {limit} one run may have",
                       {"field": "actions", "count": count, "limit": limit})
    source = body.get("source")
    if source is not None:
        source = _source(source, version)
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
            raise BadInput("'kinds' must be a list of distinct event kinds", {"field": "kinds", "allowed": list(EVENT_KINDS)})

    key, build_hash, scenario_digest = _memo_key(version, scenario_id, actions, source, max_events, kinds,
                                                 events_from)
    cached = memo.get(key)
    if cached is None:
        if source is not None:        # edited source means a toolchain build: rate-limited per client
            limiter().check("build", request.remote_addr or "unknown")
        result = _replay(version, scenario_id, actions, source, events_from)
        payload = shape_response(version, scenario_id, result, max_events, kinds)
        cached = json.dumps(payload, separators=(",", ":")).encode()
        memo.put(key, cached)
    memo.put_raw(raw, (version, scenario_id, build_hash, scenario_digest, key))
    return Response(cached, mimetype="application/json")


# -- request parsing -----------------------------------------------------------------------------------


def _raw_json() -> bytes:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the run as JSON with Content-Type: application/json",
                                   {"content_type": request.content_type})
    return request.get_data(cache=False)   # over MAX_CONTENT_LENGTH: werkzeug raises 413 here


def _parse_json(raw: bytes) -> dict:
    try:
        body = json.loads(raw)
    except UnicodeDecodeError:
        raise BadInput("the request body is not UTF-8", {"field": None})
    except json.JSONDecodeError as exc:
        raise BadInput(f"the request body is not valid JSON: {exc.msg}",
                       {"line": exc.lineno, "column": exc.colno, "position": exc.pos})
    except RecursionError:
        raise BadInput("the request body is nested too deeply", {"field": None})
    if not isinstance(body, dict):
        raise BadInput("the request body must be a JSON object", {"type": type(body).__name__})
    return body


def _version(value, field: str = "version") -> str:
    cat = catalog()
    if value is None:
        return cat.default_version()
    if not isinstance(value, str) or not VERSION.match(value):
        raise BadInput("'version' must be a kernel version such as 2.6.31", {"field": field})
    if value not in cat.versions():
        raise NotFound(f"no kernel version {value!r}", {"field": field, "version": value, "known": cat.versions()})
    return value


def _chapter(value) -> str | None:
    if value is None:
        return None
    match = CHAPTER_ID.match(value)
    if not match:
        raise BadInput("'chapter' must be a chapter id such as G:033 (or G-033)", {"field": "chapter", "value": value})
    return f"{match.group(1)}:{match.group(2)}"


def _scenario_id(value, field: str = "scenario_id") -> str:
    if not isinstance(value, str) or not SCENARIO_ID.match(value):
        raise BadInput("a scenario id is letters, digits, '_', '.' and '-' (at most 100)", {"field": field})
    return value


def _source(value, version: str) -> dict[str, str]:
    """One edited kernel file (path → its whole new text, same line count). Only the shape is checked
    here; the text itself goes through the edit sandbox in `_sandboxed_build` before any tool runs."""
    if (not isinstance(value, dict) or len(value) != 1
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
        raise BadInput("'source' must map one kernel file path to its edited text", {"field": "source"})
    (path, _text), = value.items()
    files = catalog().library.files(version)
    if path not in files:
        raise BadInput(f"'source' may only replace a kernel file of {version}; {path!r} is not one",
                       {"field": "source", "file": path, "editable": files})
    return value


def _sandboxed_build(version: str, source: dict[str, str]):
    """Edited source is built only through the edit sandbox (no .incbin/.include, bounded repeats and
    output), exactly as a lab's edits are: lines that differ from the shipped file are the edits."""
    from ..toolchain.sandbox import build_edited

    (path, text), = source.items()
    original = catalog().library.source(version, path).split("\n")
    edited = text.split("\n")
    if len(edited) != len(original):
        raise BadInput(f"edited {path} must keep its {len(original)} lines (it has {len(edited)}); "
                       "change lines, do not add or remove them", {"field": "source", "file": path})
    edits = [(n, new) for n, (new, old) in enumerate(zip(edited, original), start=1) if new != old]
    return build_edited(catalog(), version, path, edits, allowed=None)


def _memo() -> ResponseMemo:
    return current_app.extensions[MEMO_KEY]


def _build(version: str):
    return current_app.extensions[BUILDS_KEY].get(version)


def _memo_key(version, scenario_id, actions, source, max_events, kinds, events_from) -> tuple[str, str, str]:
    """(key, build hash, scenario digest): the key hashes everything that shapes the body. Scenario
    files can change under a running server (the runs layer re-reads them by mtime), so their digest
    is part of it."""
    digest = hashlib.sha256()
    build = _build(version)
    scenario = load_scenario(catalog().content_root, version, scenario_id)
    for part in (build.input_hash, version, scenario_id, scenario.digest, canonical(actions),
                 json.dumps(source, sort_keys=True), str(max_events), json.dumps(kinds), str(events_from),
                 str(settings().insn_budget)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest(), build.input_hash, scenario.digest


# -- response shaping -------------------------------------------------------------------------------


def shape_response(version: str, scenario_id: str, result: dict, max_events: int, kinds) -> dict:
    """state + events. Each event gets `action_step` (instructions so far within its action) beside the
    `action_index` the runs layer gives it, so a client can go back to that moment even when the events
    are filtered or trimmed; then kinds are filtered and only the last `max_events` kept."""
    events = annotate_events(result["events"], result.get("events_from", 0))
    total = len(events)
    if kinds is not None:
        wanted = set(kinds)
        events = [e for e in events if e["kind"] in wanted]
    kept = events[len(events) - max_events:] if max_events else []
    return {
        "version": version,
        "scenario": scenario_id,
        "actions": result.get("actions", []),
        "state": result["state"],
        "events": kept,
        "events_from": result.get("events_from", 0),
        "events_total": total,
        "events_omitted": len(events) - len(kept),
        "events_dropped": result.get("events_dropped", 0),
    }


def annotate_events(events: list[dict], events_from: int = 0) -> list[dict]:
    """Adds action_index/action_step in place (the dicts are this request's own, fresh from to_json()).
    Events before the first `action` event belong to the scenario's set-up (action_index -1)."""
    action, steps = (events_from - 1 if events_from else -1), 0
    for event in events:
        kind = event["kind"]
        if kind == "action":
            index = event.get("action_index")
            action = index if isinstance(index, int) else action + 1
            steps = 0
        elif kind == "insn":
            steps += 1
        if not isinstance(event.get("action_index"), int):
            event["action_index"] = action
        event["action_step"] = steps
    return events


# -- the runs layer ---------------------------------------------------------------------------------------


def scenario_summary(scenario) -> dict:
    return {"id": scenario.id, "title": scenario.title, "description": " ".join(scenario.description.split()),
            "chapters": list(scenario.chapters), "tour": scenario.actions}


def _scenario_list(version: str) -> tuple[list[dict], list[dict]]:
    """The good scenarios, and what is wrong with the others: one broken file must not hide the rest."""
    library = scenario_library(catalog().content_root)
    good, errors = [], []
    for scenario_id in library.ids(version):
        try:
            good.append(scenario_summary(library.get(version, scenario_id)))
        except ContentError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            errors.append({"scenario": scenario_id, "code": exc.code, "message": exc.message,
                           "file": detail.get("file"), "field": detail.get("field")})
    return good, errors


def _scenario_detail(version: str, scenario_id: str) -> dict:
    scenario = load_scenario(catalog().content_root, version, scenario_id)
    return {**scenario.to_json(), **scenario_summary(scenario), "version": version}


def _replay(version: str, scenario_id: str, actions: str, source: dict | None, events_from: int) -> dict:
    build = _sandboxed_build(version, source) if source else _build(version)
    result = replay(Run(version, scenario_id, actions, None), catalog=catalog(), settings=settings(),
                    build=build, events_from=events_from)
    return result.to_json()
