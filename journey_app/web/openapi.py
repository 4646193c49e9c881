"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json.

Owns the description of /healthz and every /api/ route. Other blueprints document their own routes by
giving their module an `OPENAPI = {"paths": {...}, "components": {"schemas": {...}}}` fragment; it is
merged in here. tests/api checks both directions: every route is documented, every documented path exists.
"""

from __future__ import annotations

import copy
import importlib

from flask import Blueprint, current_app

from .. import __version__

bp = Blueprint("openapi", __name__)

JSON = "application/json"
EVENT_KINDS = ["insn", "mem_write", "trap", "rewrite", "hypercall", "decision", "irq_delivered", "fault",
               "budget", "killed", "halted", "finished", "action", "notify"]
STATUSES = ["running", "finished", "halted", "dead", "fault", "budget"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


U32 = {"type": "integer", "minimum": 0, "maximum": 0xFFFFFFFF}
NULLABLE_U32 = {"type": ["integer", "null"], "minimum": 0, "maximum": 0xFFFFFFFF}

SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "description": "The one error shape of the site. `code` is stable; `detail` depends on it (for a "
                       "malformed action: action_index, column, word, expected).",
        "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "detail"],
            "properties": {"code": {"type": "string", "examples": ["bad_input", "not_found", "too_large"]},
                           "message": {"type": "string"},
                           "detail": {}}}},
    },
    "Health": {
        "type": "object", "required": ["status", "version"],
        "properties": {"status": {"const": "ok"}, "version": {"type": "string"}},
    },
    "Versions": {
        "type": "object", "required": ["versions"],
        "properties": {"versions": {"type": "array", "items": {"type": "string"}}},
    },
    "ScenarioSummary": {
        "type": "object",
        "required": ["id", "title", "chapters"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "chapters": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]:[0-9]{3}$"},
                         "description": "Chapters whose code this scenario runs."},
            "tour": {"type": "string", "description": "A suggested action list (the scenario's `actions`)."},
        },
    },
    "ScenarioList": {
        "type": "object", "required": ["version", "chapter", "scenarios", "errors"],
        "properties": {
            "version": {"type": "string"},
            "chapter": {"type": ["string", "null"], "description": "The filter applied, normalised to G:033 form."},
            "scenarios": {"type": "array", "items": _ref("ScenarioSummary")},
            "errors": {"type": "array", "description": "Scenario files of this version that could not be read; "
                                                      "the good ones are still listed.",
                       "items": {"type": "object", "required": ["scenario", "code", "message"],
                                 "properties": {"scenario": {"type": "string"}, "code": {"type": "string"},
                                                "message": {"type": "string"},
                                                "file": {"type": ["string", "null"]},
                                                "field": {"type": ["string", "null"]}}}},
        },
    },
    "Scenario": {
        "description": "A scenario in full: its summary plus what the scenario file sets up, and `actions`, a "
                       "suggested tour in the action grammar.",
        "allOf": [_ref("ScenarioSummary"), {
            "type": "object", "required": ["version", "entry", "actions", "registers", "lguest_data", "host"],
            "properties": {"version": {"type": "string"}, "entry": {"type": ["string", "integer"]},
                           "physical": {"type": "boolean"},
                           "stop_at": {"type": "array", "items": {"type": "string"}},
                           "actions": {"type": "string"}, "registers": {"type": "object"},
                           "stack": {"type": "array"}, "lguest_data": {"type": "object"},
                           "host": {"type": "object"}}}],
    },
    "RunRequest": {
        "type": "object",
        "required": ["scenario"],
        "additionalProperties": False,
        "properties": {
            "scenario": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
                         "description": "Scenario id (GET /api/scenarios)."},
            "actions": {
                "type": "string", "default": "",
                "description": "The action list in the shared text grammar, one action per ';' or newline: "
                               "`step [n]`, `run_until <label|0xaddr|ret|hypercall|decision>`, "
                               "`set <reg|flag|field> <value>`, `raise_irq <n>`, `host_check`, `reset`. "
                               "At most JOURNEY_MAX_ACTIONS actions (413 beyond).",
                "examples": ["step 3; set irq_pending 0x200; run_until hypercall"],
            },
            "version": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$",
                        "description": "Kernel version; the newest when absent."},
            "source": {
                "type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1,
                "propertyNames": {"pattern": "^(arch|include|glue)/[A-Za-z0-9_./-]+$"},
                "description": "Edited source files (path under the kernel folder → text), for labs: the run "
                               "replays on a build of the edited tree (422 build_error when it does not assemble).",
            },
            "events_from": {"type": "integer", "minimum": 0, "default": 0,
                            "description": "Only events from this action on (0: all, including set-up). A client "
                                           "that already holds the events of a common prefix asks for the rest."},
            "max_events": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 1000,
                           "description": "Keep only the last N events (after `kinds` filtering)."},
            "kinds": {"type": "array", "uniqueItems": True, "items": {"enum": EVENT_KINDS},
                      "description": "Only events of these kinds (all when absent)."},
        },
    },
    "RunResponse": {
        "type": "object",
        "required": ["version", "scenario", "actions", "state", "events", "events_from", "events_total",
                     "events_omitted", "events_dropped"],
        "properties": {
            "version": {"type": "string"},
            "scenario": {"type": "string"},
            "actions": {"type": "array", "items": {"type": "string"},
                        "description": "The actions as the server parsed them, in canonical text form."},
            "state": _ref("State"),
            "events": {"type": "array", "items": _ref("Event")},
            "events_from": {"type": "integer", "minimum": 0, "description": "The first action the events cover."},
            "events_total": {"type": "integer", "minimum": 0,
                             "description": "Events the replay produced from events_from on, before filtering."},
            "events_omitted": {"type": "integer", "minimum": 0,
                               "description": "Events of the requested kinds left out by max_events (the oldest)."},
            "events_dropped": {"type": "integer", "minimum": 0,
                               "description": "insn/mem_write events past the run's event limit: counted, not kept."},
        },
    },
    "Location": {
        "type": "object",
        "required": ["address", "symbol", "file", "line", "chapter"],
        "properties": {"address": NULLABLE_U32, "symbol": {"type": ["string", "null"]},
                       "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
                       "chapter": {"type": ["string", "null"]}},
    },
    "State": {
        "type": "object",
        "description": "The machine after the replay: registers, decoded flags, lguest_data by field, the "
                       "Host's private view, the stack around ESP; `changed` names what the last action changed.",
        "required": ["scenario", "status", "insn_count", "eip", "location", "registers", "flags",
                     "lguest_data", "host", "stack", "changed"],
        "properties": {
            "scenario": {"type": "string"},
            "version": {"type": "string"},
            "status": {"enum": STATUSES},
            "reason": {"type": ["string", "null"]},
            "insn_count": {"type": "integer", "minimum": 0},
            "eip": U32,
            "location": _ref("Location"),
            "next_insn": {"type": ["object", "null"]},
            "registers": {"type": "object", "additionalProperties": U32},
            "flags": {"type": "object"},
            "lguest_data": {"type": "object"},
            "host": {"type": "object"},
            "stack": {"type": "array", "items": {"type": "object", "required": ["address", "value"]}},
            "changed": {"type": "array"},
        },
    },
    "Event": {
        "type": "object",
        "description": "Something that happened during the replay. Every event has seq, kind and where it "
                       "happened; decision events add rule, outcome, inputs, steps, writes, chapters, message; "
                       "hypercall events name, number, args, effect. The server adds action_index (-1 = "
                       "before the first action) and action_step (instructions so far within that action).",
        "required": ["seq", "kind", "action_index", "action_step"],
        "properties": {
            "seq": {"type": "integer", "minimum": 0},
            "kind": {"enum": EVENT_KINDS},
            "eip": NULLABLE_U32,
            "file": {"type": ["string", "null"]},
            "line": {"type": ["integer", "null"]},
            "chapter": {"type": ["string", "null"]},
            "action_index": {"type": "integer", "minimum": -1},
            "action_step": {"type": "integer", "minimum": 0},
        },
    },
}

VERSION_PARAM = {"name": "version", "in": "query", "required": False,
                 "description": "Kernel version; the newest when absent.",
                 "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$"}}

PATHS: dict = {
    "/healthz": {"get": {
        "operationId": "healthz", "summary": "Liveness: the process answers.", "tags": ["meta"],
        "responses": {"200": _json(_ref("Health"), "The server is up.")},
    }},
    "/api/versions": {"get": {
        "operationId": "listVersions", "summary": "Kernel versions under the content root.", "tags": ["catalogue"],
        "responses": {"200": _json(_ref("Versions"), "Version names, oldest first.")},
    }},
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.", "tags": ["meta"],
        "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
    }},
    "/api/scenarios": {"get": {
        "operationId": "listScenarios", "summary": "Scenarios, optionally only those running a chapter's code.",
        "tags": ["explorer"],
        "parameters": [VERSION_PARAM, {
            "name": "chapter", "in": "query", "required": False,
            "description": "Only scenarios whose `chapters` include this chapter (G:033 or G-033).",
            "schema": {"type": "string", "pattern": "^[A-Z][:-][0-9]{3}$"}}],
        "responses": {"200": _json(_ref("ScenarioList"), "The scenarios."),
                      "400": _error("A malformed version or chapter."),
                      "404": _error("No such kernel version.")},
    }},
    "/api/scenarios/{scenario_id}": {"get": {
        "operationId": "getScenario", "summary": "One scenario.", "tags": ["explorer"],
        "parameters": [{"name": "scenario_id", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"}},
                       VERSION_PARAM],
        "responses": {"200": _json(_ref("Scenario"), "The scenario."),
                      "400": _error("A malformed id or version."),
                      "404": _error("No such scenario or version.")},
    }},
    "/api/run": {"post": {
        "operationId": "run",
        "summary": "Replay a scenario with an action list: the machine's state and what happened.",
        "description": "Stateless: the client sends the whole action list each time (step back = the same "
                       "list minus its last step; a share link carries scenario and actions). Same request, "
                       "same response, byte for byte.",
        "tags": ["explorer"],
        "requestBody": {"required": True, "content": {JSON: {"schema": _ref("RunRequest")}}},
        "responses": {
            "200": _json(_ref("RunResponse"), "The replay's final state and its events."),
            "400": _error("Malformed JSON, an unknown or malformed field, or a malformed action (detail: "
                          "action_index, line, column, word, expected)."),
            "404": _error("No such scenario or version."),
            "413": _error("The body is larger than JOURNEY_MAX_REQUEST_BYTES, or the list has more than "
                          "JOURNEY_MAX_ACTIONS actions."),
            "415": _error("The body is not sent as application/json."),
            "422": _error("Edited source that does not assemble (labs)."),
            "424": _error("Edited source, but no assembler on this server (toolchain_missing)."),
            "429": _error("Too many edited-source builds from this client (JOURNEY_GRADE_RATE a minute)."),
        },
    }},
}


def base_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lguest Journey explorer API",
            "version": __version__,
            "description": "Chapters of the Linux 2.6.31 lguest Journey, run live in Unicorn with a model of the "
                           "lguest Host. Every error is `{\"error\": {code, message, detail}}`.",
            "license": {"name": "GPL-2.0-or-later", "identifier": "GPL-2.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "paths": copy.deepcopy(PATHS),
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }


def document(app) -> dict:
    """The base document plus the fragments of every registered blueprint's module that has `OPENAPI`."""
    doc = base_document()
    for blueprint in app.blueprints.values():
        try:
            module = importlib.import_module(blueprint.import_name)
        except ImportError:
            continue
        fragment = getattr(module, "OPENAPI", None)
        if not fragment:
            continue
        doc["paths"].update(copy.deepcopy(fragment.get("paths", {})))
        doc["components"]["schemas"].update(copy.deepcopy(fragment.get("components", {}).get("schemas", {})))
    return doc


@bp.get("/api/openapi.json")
def openapi_json():
    return document(current_app)
