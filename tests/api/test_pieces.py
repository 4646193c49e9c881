"""Small pieces of the explorer API: the response memo's bounds, and OpenAPI fragments of other blueprints."""

from __future__ import annotations

import sys
import types

from flask import Blueprint

from journey_app.web.explorer import openapi
from journey_app.web.explorer.memo import ResponseMemo


def test_memo_keeps_the_most_recent_within_its_entry_budget():
    memo = ResponseMemo(entries=2, max_bytes=1000)
    memo.put("a", b"1")
    memo.put("b", b"2")
    assert memo.get("a") == b"1"          # a is now the most recent
    memo.put("c", b"3")
    assert memo.get("b") is None and memo.get("a") == b"1" and memo.get("c") == b"3"


def test_memo_keeps_within_its_byte_budget_and_skips_huge_bodies():
    memo = ResponseMemo(entries=100, max_bytes=160)
    memo.put("big", b"x" * 11)             # over 160 // 16 = 10 bytes: not kept
    assert memo.get("big") is None
    for i in range(20):
        memo.put(str(i), b"y" * 10)
    assert memo.held_bytes <= 160
    assert memo.get("19") == b"y" * 10 and memo.get("0") is None


def test_other_blueprints_document_their_routes_with_an_openapi_fragment(make_app):
    module = types.ModuleType("journey_test_fragment")
    module.OPENAPI = {"paths": {"/api/labs": {"get": {"operationId": "listLabs", "responses": {
        "200": {"description": "labs", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Labs"}}}}}}}},
        "components": {"schemas": {"Labs": {"type": "array"}}}}
    sys.modules[module.__name__] = module
    try:
        app = make_app()
        bp = Blueprint("fragment", module.__name__)
        bp.add_url_rule("/api/labs", "labs", list)
        app.register_blueprint(bp)
        doc = openapi.document(app)
        assert "/api/labs" in doc["paths"] and "Labs" in doc["components"]["schemas"]
        assert "/api/run" in doc["paths"]
    finally:
        del sys.modules[module.__name__]
