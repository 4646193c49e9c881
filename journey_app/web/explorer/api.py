"""Live-machine JSON API: list scenarios, and `POST /api/run` = replay (scenario, actions) → state + events.

Stateless: the client holds the action list and sends all of it each time, so any worker can answer.
Only the routes and the call into `journey_app.runs`; validation is in requests.py, the response
memo in memo.py, event trimming in response.py. No machine or Host logic lives here.
Documented in openapi.py, which a test checks against these routes.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, request

from ...caches import BoundedCache
from ...runs import Run, load_scenario, replay
from ...runs.scenarios import scenario_library
from . import openapi
from ..infra.context import catalog, settings
from .memo import ResponseMemo, install as install_memo, memo_key, recent_build, response_memo
from .requests import checked_chapter, checked_scenario_id, checked_version, parse_json, raw_json, run_request
from .response import shape_response
from ..infra.ratelimit import charged_run, limiter, this_client

bp = Blueprint("explorer_api", __name__)


def register(app: Flask) -> None:
    install_memo(app)
    app.register_blueprint(bp)
    app.register_blueprint(openapi.bp)


# -- routes ---------------------------------------------------------------------------------------------


@bp.get("/api/scenarios")
def scenarios():
    version = checked_version(request.args.get("version"))
    chapter = checked_chapter(request.args.get("chapter"))
    listed, errors = _scenario_list(version)
    found = [s for s in listed if chapter is None or chapter in s["chapters"]]
    return {"version": version, "chapter": chapter, "scenarios": found, "errors": errors}


@bp.get("/api/scenarios/<scenario_id>")
def scenario(scenario_id: str):
    version = checked_version(request.args.get("version"))
    return _scenario_detail(version, checked_scenario_id(scenario_id))


@bp.post("/api/run")
def run():
    raw = raw_json()
    memo: ResponseMemo = response_memo()
    # Fast path: these exact bytes were answered before, and neither the build nor the scenario file
    # has changed since (the same share link opened by a whole class).
    seen = memo.get_raw(raw)
    if seen is not None:
        version, scenario_id, build_hash, scenario_digest, key = seen
        cached = memo.get(key)
        if (cached is not None and recent_build(version).input_hash == build_hash
                and load_scenario(catalog().content_root, version, scenario_id).digest == scenario_digest):
            return Response(cached, mimetype="application/json")
    req = run_request(parse_json(raw))
    key, build_hash, scenario_digest = memo_key(req.version, req.scenario_id, req.actions, req.source,
                                                req.max_events, req.kinds, req.events_from)
    cached = memo.get(key)
    if cached is None:
        if req.source is not None:        # edited source means a toolchain build: rate-limited per client
            limiter().check("build", this_client())
        # an uncached run costs the client the milliseconds it takes; one over its share is refused first
        result, timed_out = charged_run(
            lambda: _replay(req.version, req.scenario_id, req.actions, req.source, req.events_from))
        payload = shape_response(req.version, req.scenario_id, result, req.max_events, req.kinds)
        body = json.dumps(payload, separators=(",", ":")).encode()
        if timed_out:   # ended by the wall clock: another try may get further, so nothing is remembered
            return Response(body, mimetype="application/json")
        cached = body
        memo.put(key, cached)
    memo.put_raw(raw, (req.version, req.scenario_id, build_hash, scenario_digest, key))
    return Response(cached, mimetype="application/json")


# -- the runs layer ---------------------------------------------------------------------------------------


def scenario_summary(scenario) -> dict:
    return {"id": scenario.id, "title": scenario.title, "description": " ".join(scenario.description.split()),
            "chapters": list(scenario.chapters), "tour": scenario.actions}


def _scenario_list(version: str) -> tuple[list[dict], list[dict]]:
    """The good scenarios, and what is wrong with the others: one broken file must not hide the rest."""
    _fingerprint, good, errors = scenario_summaries(version)
    return good, errors


def scenario_summaries(version: str) -> tuple[str, list[dict], list[dict]]:
    """(the listing's fingerprint, the good scenarios' summaries, the others' errors), made once per
    listing (the runs layer re-lists the folder at most once a second); callers must not change them."""
    listing = scenario_library(catalog().content_root).listing(version)
    return _SUMMARIES.get_or_make((catalog().content_root, version, listing.fingerprint), lambda: (
        listing.fingerprint,
        [scenario_summary(s) for s in listing.scenarios],
        [{"scenario": scenario_id, "code": exc.code, "message": exc.message,
          "file": (exc.detail or {}).get("file"), "field": (exc.detail or {}).get("field")}
         for scenario_id, exc in listing.errors]))


# Every explorer page and GET /api/scenarios lists them: summarised once per content, not per request.
_SUMMARIES: BoundedCache[tuple, tuple[str, list[dict], list[dict]]] = BoundedCache(
    "web.scenario_summaries", 1 << 20, oversize=1)


def _scenario_detail(version: str, scenario_id: str) -> dict:
    scenario = load_scenario(catalog().content_root, version, scenario_id)
    return {**scenario.to_json(), **scenario_summary(scenario), "version": version}


def _replay(version: str, scenario_id: str, actions: str, source: dict | None,
            events_from: int) -> tuple[dict, bool]:
    build = sandboxed_build(version, source) if source else recent_build(version)
    result = replay(Run(version, scenario_id, actions, None), catalog=catalog(), settings=settings(),
                    build=build, events_from=events_from)
    return result.to_json(), result.timed_out


def sandboxed_build(version: str, source: dict[str, str]):
    """Edited source is built only through the edit sandbox (toolchain.sandbox.build_edited_text)."""
    from ...toolchain.sandbox import build_edited_text

    (path, text), = source.items()
    return build_edited_text(catalog(), version, path, text)
