"""POST /api/run rejects bad requests before any replay: every one a 4xx in the one error shape."""

from __future__ import annotations

import json

import pytest

from .conftest import assert_error


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/run", data=data, content_type=content_type)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_that_is_not_json_is_415(client, content_type):
    error = assert_error(post(client, '{"scenario": "x"}', content_type), 415, "unsupported_media_type")
    assert error["detail"]["content_type"].startswith(content_type)


def test_no_content_type_is_415(client):
    assert_error(client.post("/api/run", data=b'{"scenario": "x"}'), 415, "unsupported_media_type")


@pytest.mark.parametrize("raw, line, column", [("{", 1, 2), ('{"scenario": }', 1, 14), ("\n\n  [1,,]", 3, 6)])
def test_malformed_json_is_400_and_says_where(client, raw, line, column):
    error = assert_error(post(client, raw), 400, "bad_input")
    assert (error["detail"]["line"], error["detail"]["column"]) == (line, column)


def test_body_not_utf8_is_400(client):
    assert_error(post(client, b'{"scenario": "\xff\xfe"}'), 400, "bad_input")


@pytest.mark.parametrize("body", [[], "a string", 3, None])
def test_body_must_be_an_object(client, body):
    assert_error(post(client, body), 400, "bad_input")


def test_unknown_fields_are_named(client):
    error = assert_error(post(client, {"scenario": "x", "actoins": "step"}), 400, "bad_input")
    assert error["detail"]["unknown"] == ["actoins"]


def test_scenario_is_required(client):
    error = assert_error(post(client, {"actions": "step"}), 400, "bad_input")
    assert error["detail"]["field"] == "scenario"


@pytest.mark.parametrize("scenario", ["", "../etc/passwd", "a b", 3, None, "x" * 101])
def test_malformed_scenario_id_is_400(client, scenario):
    assert_error(post(client, {"scenario": scenario}), 400, "bad_input")


@pytest.mark.parametrize("field", ["actions", "version", "source", "kinds", "max_events", "events_from"])
def test_null_is_not_a_way_to_leave_a_field_out(client, field):
    error = assert_error(post(client, {"scenario": "g045-iret", field: None}), 400, "bad_input")
    assert error["detail"]["field"] == field


@pytest.mark.parametrize("actions", [["step"], 3, {"step": 1}])
def test_actions_must_be_text(client, actions):
    error = assert_error(post(client, {"scenario": "x", "actions": actions}), 400, "bad_input")
    assert error["detail"]["field"] == "actions"


@pytest.mark.parametrize("max_events", [-1, 10001, 1.5, "10", True])
def test_max_events_is_checked(client, max_events):
    error = assert_error(post(client, {"scenario": "x", "max_events": max_events}), 400, "bad_input")
    assert error["detail"]["field"] == "max_events"


@pytest.mark.parametrize("kinds", ["insn", ["insn", "insn"], ["bogus"], [1]])
def test_kinds_are_checked(client, kinds):
    error = assert_error(post(client, {"scenario": "x", "kinds": kinds}), 400, "bad_input")
    assert error["detail"]["field"] == "kinds"


@pytest.mark.parametrize("version", ["", "2.6.31; rm", 2631])
def test_malformed_version_is_400(client, version):
    assert_error(post(client, {"scenario": "x", "version": version}), 400, "bad_input")


def test_unknown_version_is_404(client):
    error = assert_error(post(client, {"scenario": "x", "version": "9.9.99"}), 404, "not_found")
    assert "2.6.31" in error["detail"]["known"]


@pytest.mark.parametrize("source", [{}, [], "text", {"arch/x86/lguest/i386_head.S": 3}])
def test_malformed_source_is_400(client, source):
    assert_error(post(client, {"scenario": "x", "source": source}), 400, "bad_input")


def test_too_many_actions_is_413(make_app):
    client = make_app(max_actions=5).test_client()
    error = assert_error(post(client, {"scenario": "x", "actions": "step;" * 6}), 413, "too_large")
    assert error["detail"] == {"field": "actions", "count": 6, "limit": 5}


def test_blank_pieces_are_not_actions(make_app):
    client = make_app(max_actions=2).test_client()
    response = post(client, {"scenario": "no-such-scenario", "actions": ";;\n step ;\n\n; step;  "})
    assert response.status_code != 413


def test_a_huge_body_is_413(make_app):
    client = make_app(max_request_bytes=1024).test_client()
    body = json.dumps({"scenario": "x", "actions": "step; " * 400})
    assert len(body) > 1024
    assert_error(post(client, body), 413, "too_large")


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_are_405(client, method):
    assert_error(getattr(client, method)("/api/run"), 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "arch/x86/lguest/new_file.S", "glue"])
def test_source_may_only_replace_files_of_the_tree(client, path):
    error = assert_error(post(client, {"scenario": "g045-iret", "source": {path: "nop\n"}}), 400, "bad_input")
    assert error["detail"]["file"] == path
    assert "arch/x86/lguest/i386_head.S" in error["detail"]["editable"]


def test_edited_source_builds_are_rate_limited(make_app, app):
    from journey_app.web.infra.context import catalog

    limited = make_app(grade_rate=1).test_client()
    with app.app_context():
        text = (catalog().kernel_dir("2.6.31") / "arch/x86/lguest/i386_head.S").read_text()
    lines = text.split("\n")
    lines[77] = "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"
    first = post(limited, {"scenario": "g045-iret", "source": {"arch/x86/lguest/i386_head.S": "\n".join(lines)}})
    assert first.status_code in (200, 424)
    lines[77] = "\tcmpl $1, lguest_data+LGUEST_DATA_irq_pending"
    second = post(limited, {"scenario": "g045-iret", "source": {"arch/x86/lguest/i386_head.S": "\n".join(lines)}})
    error = assert_error(second, 429, "rate_limited")
    assert error["detail"]["limit_per_minute"] == 1
    assert second.headers["Retry-After"] == str(error["detail"]["retry_after_seconds"])


def _edited(app, line: int, text: str) -> dict:
    from journey_app.web.infra.context import catalog

    with app.app_context():
        lines = (catalog().kernel_dir("2.6.31") / "arch/x86/lguest/i386_head.S").read_text().split("\n")
    lines[line - 1] = text
    return {"arch/x86/lguest/i386_head.S": "\n".join(lines)}


@pytest.mark.parametrize("hostile", ['\t.incbin "/etc/hostname"', '#include "/etc/passwd"', "\t.rept 100000000"])
def test_edited_source_goes_through_the_edit_sandbox(client, app, hostile):
    response = post(client, {"scenario": "g045-iret", "source": _edited(app, 78, hostile)})

    error = assert_error(response, 422, "sandbox_refused")
    assert error["detail"]["line"] == 78


def test_edited_source_must_keep_the_line_count(client, app):
    edited = _edited(app, 78, "\tnop\n\tnop")

    error = assert_error(post(client, {"scenario": "g045-iret", "source": edited}), 400, "bad_input")

    assert "lines" in error["message"]


def test_edited_source_runs_the_edited_code(client, app):
    edited = _edited(app, 78, "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending")

    body = post(client, {"scenario": "g033-irq-enable-pending", "actions": "step 2", "source": edited}).get_json()

    assert body["state"]["next_insn"]["text"].startswith("cmpl $0")
