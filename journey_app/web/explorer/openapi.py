"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json.

Owns the paths of /healthz and every /api/ route and the assembly of the document (schemas: schemas.py).
Other blueprints document their own routes by giving their module an `OPENAPI = {"paths": {...},
"components": {"schemas": {...}}}` fragment; it is merged in here. tests/api checks both directions:
every route is documented, every documented path exists.
"""

from __future__ import annotations

import copy
import sys

from flask import Blueprint, current_app

from ... import __version__
from .schemas import JSON, SCHEMAS, error_response, json_response, schema_ref

bp = Blueprint("openapi", __name__)

VERSION_PARAM = {"name": "version", "in": "query", "required": False,
                 "description": "Kernel version; the newest when absent.",
                 "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$"}}

PATHS: dict = {
    "/healthz": {"get": {
        "operationId": "healthz", "summary": "Liveness: the process answers.", "tags": ["meta"],
        "responses": {"200": json_response(schema_ref("Health"), "The server is up.")},
    }},
    "/api/versions": {"get": {
        "operationId": "listVersions", "summary": "Kernel versions under the content root.", "tags": ["catalogue"],
        "responses": {"200": json_response(schema_ref("Versions"), "Version names, oldest first.")},
    }},
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.", "tags": ["meta"],
        "responses": {"200": json_response({"type": "object"}, "The OpenAPI 3.1 document.")},
    }},
    "/api/scenarios": {"get": {
        "operationId": "listScenarios", "summary": "Scenarios, optionally only those running a chapter's code.",
        "tags": ["explorer"],
        "parameters": [VERSION_PARAM, {
            "name": "chapter", "in": "query", "required": False,
            "description": "Only scenarios whose `chapters` include this chapter (G:033 or G-033).",
            "schema": {"type": "string", "pattern": "^[A-Z][:-][0-9]{3}$"}}],
        "responses": {"200": json_response(schema_ref("ScenarioList"), "The scenarios."),
                      "400": error_response("A malformed version or chapter."),
                      "404": error_response("No such kernel version.")},
    }},
    "/api/scenarios/{scenario_id}": {"get": {
        "operationId": "getScenario", "summary": "One scenario.", "tags": ["explorer"],
        "parameters": [{"name": "scenario_id", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"}},
                       VERSION_PARAM],
        "responses": {"200": json_response(schema_ref("Scenario"), "The scenario."),
                      "400": error_response("A malformed id or version."),
                      "404": error_response("No such scenario or version.")},
    }},
    "/api/run": {"post": {
        "operationId": "run",
        "summary": "Replay a scenario with an action list: the machine's state and what happened.",
        "description": "Stateless: the client sends the whole action list each time (step back = the same "
                       "list minus its last step; a share link carries scenario and actions). Same request, "
                       "same response, byte for byte.",
        "tags": ["explorer"],
        "requestBody": {"required": True, "content": {JSON: {"schema": schema_ref("RunRequest")}}},
        "responses": {
            "200": json_response(schema_ref("RunResponse"), "The replay's final state and its events."),
            "400": error_response("Malformed JSON, an unknown or malformed field, or a malformed action (detail: "
                          "action_index, line, column, word, expected)."),
            "404": error_response("No such scenario or version."),
            "413": error_response("The body is larger than JOURNEY_MAX_REQUEST_BYTES, or the list has more than "
                          "JOURNEY_MAX_ACTIONS actions."),
            "415": error_response("The body is not sent as application/json."),
            "422": error_response("Edited source the sandbox refused (sandbox_refused; detail: line, reason) or "
                                  "that does not assemble (build_error)."),
            "424": error_response("Edited source, but no assembler on this server (toolchain_missing)."),
            "429": error_response("Too many edited-source builds (JOURNEY_GRADE_RATE a minute) or seconds of "
                                  "uncached emulation (JOURNEY_RUN_RATE a minute) from this client."),
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
        module = sys.modules[blueprint.import_name]    # imported by create_app, so always there
        fragment = getattr(module, "OPENAPI", None)
        if not fragment:
            continue
        doc["paths"].update(copy.deepcopy(fragment.get("paths", {})))
        doc["components"]["schemas"].update(copy.deepcopy(fragment.get("components", {}).get("schemas", {})))
    return doc


@bp.get("/api/openapi.json")
def openapi_json():
    return document(current_app)
