"""The OpenAPI document is valid 3.1 and describes exactly the routes the server has, in both directions."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def documented_operations(spec) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}


def served_operations(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule == "/healthz"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((path, method.lower()))
    return out


def test_document_is_valid_openapi_31(spec):
    validator = pytest.importorskip("openapi_spec_validator", reason="pip install openapi-spec-validator")
    assert spec["openapi"].startswith("3.1")
    validator.validate(spec)


def test_every_route_is_documented(app, spec):
    missing = served_operations(app) - documented_operations(spec)
    assert not missing, f"routes without OpenAPI documentation: {sorted(missing)}"


def test_every_documented_path_exists(app, spec):
    extra = documented_operations(spec) - served_operations(app)
    assert not extra, f"documented but not served: {sorted(extra)}"


def test_every_operation_documents_its_json_responses(spec):
    for path, method in documented_operations(spec):
        operation = spec["paths"][path][method]
        assert operation.get("operationId"), (path, method)
        for status, response in operation["responses"].items():
            assert "application/json" in response.get("content", {}), (path, method, status)


def test_served_document_is_the_one_the_client_gets(client, spec):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == spec
