"""What-if API: `POST /api/whatif` = a run and its fork with one change, replayed side by side and compared.

Only the route, its checks and its OpenAPI fragment; the fork rule and the comparison are runs/whatif.py.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from ...errors import BadInput
from ...runs import Run
from ...runs.whatif import CHANGE_VERBS, what_if
from ..infra.context import catalog, settings
from .api import sandboxed_build
from .memo import recent_build
from .requests import parse_json, raw_json, run_request
from .response import shape_response
from ..infra.ratelimit import charged_run, limiter, this_client
from .schemas import JSON, error_response, json_response, schema_ref

bp = Blueprint("whatif_api", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.post("/api/whatif")
def whatif():
    body = parse_json(raw_json())
    at, change = body.pop("at", None), body.pop("change", None)
    if isinstance(at, bool) or not isinstance(at, int) or at < 0:
        raise BadInput("'at' must be the index of the action the change goes before (0 = the start)", {"field": "at"})
    if not isinstance(change, str) or not change.strip():
        raise BadInput(f"'change' must be one action: {', '.join(CHANGE_VERBS)}", {"field": "change"})
    req = run_request(body)
    if req.source:             # edited source is a toolchain build, limited per client as on /api/run
        limiter().check("build", this_client())
    build = sandboxed_build(req.version, req.source) if req.source else recent_build(req.version)
    # Two replays: charged to the client's share of emulation time, like an uncached /api/run.
    result = charged_run(lambda: what_if(Run(req.version, req.scenario_id, req.actions), at, change,
                                         catalog=catalog(), settings=settings(), build=build))
    payload = result.to_json()
    return {
        "at": result.at, "change": result.change, "difference": result.difference,
        "base": shape_response(req.version, req.scenario_id, payload["base"], req.max_events, req.kinds),
        "fork": shape_response(req.version, req.scenario_id, payload["fork"], req.max_events, req.kinds),
    }


OPENAPI = {
    "paths": {"/api/whatif": {"post": {
        "operationId": "whatIf",
        "summary": "What if: replay a run and its fork with one change before action `at`, and compare them.",
        "description": "The fork is the action list with `change` inserted before action `at` "
                       "(base[:at] + [change] + base[at:]). The answer holds both replays and where they first "
                       "differ: the first differing event, the first differing Host decision, the state values "
                       "that end different.",
        "tags": ["explorer"],
        "requestBody": {"required": True, "content": {JSON: {"schema": schema_ref("WhatIfRequest")}}},
        "responses": {
            "200": json_response(schema_ref("WhatIfResponse"), "Both runs and their difference."),
            "400": error_response("A malformed field, a malformed action, or a change that is not one "
                                  "set / raise_irq / host_check."),
            "404": error_response("No such scenario or version."),
            "413": error_response("The body or the action list is too large."),
            "415": error_response("The body is not sent as application/json."),
            "422": error_response("Edited source that does not assemble."),
            "424": error_response("Edited source, but no assembler on this server (toolchain_missing)."),
            "429": error_response("Too many edited-source builds, or too much emulation time, from this client."),
        },
    }}},
    "components": {"schemas": {
        "WhatIfRequest": {
            "type": "object", "required": ["scenario", "at", "change"],
            "description": "A RunRequest plus the fork point and the change.",
            "properties": {
                "scenario": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"},
                "actions": {"type": "string"}, "version": {"type": "string"},
                "source": {"type": "object", "additionalProperties": {"type": "string"}},
                "max_events": {"type": "integer", "minimum": 0, "maximum": 10000},
                "events_from": {"type": "integer", "minimum": 0},
                "kinds": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
                "at": {"type": "integer", "minimum": 0, "description": "The change goes before this action."},
                "change": {"type": "string", "examples": ["set irq_enabled 0", "raise_irq 1", "set IF 0"],
                           "description": "One action: " + ", ".join(CHANGE_VERBS) + "."},
            },
        },
        "WhatIfResponse": {
            "type": "object", "required": ["at", "change", "base", "fork", "difference"],
            "properties": {
                "at": {"type": "integer"}, "change": {"type": "string"},
                "base": schema_ref("RunResponse"), "fork": schema_ref("RunResponse"),
                "difference": {"type": "object", "required": ["first_event", "decision", "state", "same"],
                               "properties": {"first_event": {"type": ["object", "null"]},
                                              "decision": {"type": ["object", "null"]},
                                              "state": {"type": "array"}, "same": {"type": "boolean"}}},
            },
        },
    }},
}
