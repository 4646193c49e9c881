"""The schemas (components) of the base OpenAPI document, and the helpers that write a `$ref` or a JSON response.

Plain data only: must not import Flask or know the app; openapi.py assembles the document from it.
"""

from __future__ import annotations

from ...runs.events import KINDS
from ...runs.status import STATUSES as _STATUSES

JSON = "application/json"
EVENT_KINDS = list(KINDS)
STATUSES = list(_STATUSES)


def schema_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def error_response(description: str) -> dict:
    return json_response(schema_ref("Error"), description)


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
            "scenarios": {"type": "array", "items": schema_ref("ScenarioSummary")},
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
        "allOf": [schema_ref("ScenarioSummary"), {
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
                               "`step [n]`, `step_line [n]`, `next_line [n]`, "
                               "`run_until <label|0xaddr|ret|hypercall|decision>`, "
                               "`set <reg|flag|field> <value>`, `raise_irq <n>`, `host_check`, `reset`, and the "
                               "debugger's `break <label|0xaddr|L<n>>`, `unbreak <same>`, `watch <reg|flag|field|"
                               "sym[:bytes]>`, `unwatch <same>`, `continue` (to the next breakpoint or watched "
                               "change). "
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
            "state": schema_ref("State"),
            "events": {"type": "array", "items": schema_ref("Event")},
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
                       "Host's private view (with its GDT, clock event `timer` on the virtual clock and "
                       "`pagetables` view), the stack around ESP; `changed` names what the last action changed; "
                       "`locals` the C variables live at EIP, where gcc kept them (DWARF).",
        "required": ["scenario", "status", "insn_count", "eip", "location", "registers", "flags",
                     "lguest_data", "host", "stack", "changed", "locals"],
        "properties": {
            "scenario": {"type": "string"},
            "version": {"type": "string"},
            "status": {"enum": STATUSES},
            "reason": {"type": ["string", "null"]},
            "insn_count": {"type": "integer", "minimum": 0},
            "eip": U32,
            "location": schema_ref("Location"),
            "next_insn": {"type": ["object", "null"]},
            "registers": {"type": "object", "additionalProperties": U32},
            "flags": {"type": "object"},
            "lguest_data": {"type": "object"},
            "host": {"type": "object"},
            "stack": {"type": "array", "items": {"type": "object", "required": ["address", "value"]}},
            "changed": {"type": "array"},
            "breakpoints": {"type": "array", "description": "Breakpoints set by `break` (kept across reset).",
                            "items": {"type": "object", "required": ["spec", "address"]}},
            "watches": {"type": "array", "description": "Values watched by `watch`, with their value now.",
                        "items": {"type": "object", "required": ["spec", "kind", "value"]}},
            "stop": {"type": ["object", "null"], "required": ["action_index", "why", "message"],
                     "description": "Why the last action stopped where it did, when it ran code: `why` is "
                                    "reached, breakpoint, watch, ended or not_runnable; `message` says it in words "
                                    "(also the `stopped` event)."},
            "locals": {"type": "array", "items": {
                "type": "object", "required": ["function", "name", "kind", "where", "value"],
                "properties": {"function": {"type": "string"}, "name": {"type": "string"},
                               "kind": {"enum": ["parameter", "local"]},
                               "where": {"type": "string", "description": "%reg, off(%reg), constant, or "
                                                                          "not available here"},
                               "value": {"type": ["integer", "null"]}}}},
        },
    },
    "Event": {
        "type": "object",
        "description": "Something that happened during the replay. Every event has seq, kind and where it "
                       "happened; decision events add rule, outcome, inputs, steps, writes, chapters, message; "
                       "hypercall events name, number, args, effect. The server adds action_index (-1 = "
                       "before the first action) and action_step (instructions so far within that action); "
                       "decision, hypercall, killed and rewrite events add citations: the kernel file, "
                       "function, lines and chapter the Host model follows, with a url to them.",
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
            "citations": {"type": "array", "items": {
                "type": "object", "required": ["file", "function", "first", "last", "chapter", "url"],
                "properties": {"file": {"type": "string"}, "function": {"type": "string"},
                               "first": {"type": "integer"}, "last": {"type": "integer"},
                               "chapter": {"type": ["string", "null"]}, "url": {"type": "string"}}}},
        },
    },
}
