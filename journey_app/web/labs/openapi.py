"""The OpenAPI fragment of the lab API (`OPENAPI`: its paths and schemas), merged into /api/openapi.json.

Plain data built from the request limits; must hold no routes or logic. api.py exposes it, as
explorer/openapi.py looks for `OPENAPI` in each blueprint's own module.
"""

from __future__ import annotations

from ...labs.store import STUDENT_MAX
from .requests import MAX_ANSWER_CHARS, MAX_EDIT_CHARS, MAX_EDIT_KEYS, MAX_EVENTS_LIMIT, MAX_HINTS_ASKED
from ..explorer.schemas import EVENT_KINDS
from ..explorer.schemas import error_response as _error
from ..explorer.schemas import json_response as _json
from ..explorer.schemas import schema_ref as _ref


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
                "422": _error("The sandbox refused an edited line (sandbox_refused; detail: line, reason), "
                              "the run ran out of its time budget and was not graded (time_budget), or the lab "
                              "file has problems."),
                "429": _error("Too many grade requests from this client (detail: retry_after_seconds)."),
                "503": _error("The submission could not be saved (could_not_save: disk full or database "
                              "unavailable); nothing was written."),
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
                "429": _error("Too many builds, or too many seconds of emulation, from this client."),
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
                "answers": {"type": "object",
                            "additionalProperties": {"type": ["string", "integer"], "maxLength": MAX_ANSWER_CHARS},
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
                "saved": {"type": ["object", "null"],
                          "description": "The stored attempt: `attempt` is the student's own count (1 = their first)."},
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
                          "items": {"enum": EVENT_KINDS}},
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
