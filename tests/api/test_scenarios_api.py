"""GET /api/scenarios and /api/scenarios/<id>: the bundled 2.6.31 scenarios, filtered by chapter."""

from __future__ import annotations

import pytest

from .conftest import assert_error


def test_all_scenarios(client):
    body = client.get("/api/scenarios").get_json()
    assert body["version"] == "2.6.31" and body["chapter"] is None and body["errors"] == []
    ids = [s["id"] for s in body["scenarios"]]
    assert "g033-irq-enable-pending" in ids and "g045-iret" in ids
    for s in body["scenarios"]:
        assert set(s) >= {"id", "title", "description", "chapters", "tour"}
        assert s["chapters"]


@pytest.mark.parametrize("chapter", ["G:033", "G-033"])
def test_filter_by_chapter_in_either_form(client, chapter):
    body = client.get("/api/scenarios", query_string={"chapter": chapter}).get_json()
    assert body["chapter"] == "G:033"
    assert body["scenarios"] and all("G:033" in s["chapters"] for s in body["scenarios"])


def test_a_chapter_without_scenarios_is_an_empty_list(client):
    assert client.get("/api/scenarios?chapter=P:999").get_json()["scenarios"] == []


@pytest.mark.parametrize("chapter", ["G33", "g:033", "G:0333", "xyz"])
def test_malformed_chapter_is_400(client, chapter):
    error = assert_error(client.get("/api/scenarios", query_string={"chapter": chapter}), 400, "bad_input")
    assert error["detail"]["field"] == "chapter"


def test_unknown_version_is_404(client):
    assert_error(client.get("/api/scenarios?version=1.0.0"), 404, "not_found")
    assert_error(client.get("/api/scenarios/g045-iret?version=1.0.0"), 404, "not_found")


def test_a_broken_scenario_file_does_not_hide_the_good_ones(make_app, tmp_path):
    import shutil

    from journey_app import paths

    root = tmp_path / "content"
    shutil.copytree(paths.bundled_content_root(), root)
    (root / "scenarios" / "2.6.31" / "broken.toml").write_text('id = "broken"\ntitle = "never ends\n')
    body = make_app(content_root=root).test_client().get("/api/scenarios").get_json()
    assert "g045-iret" in [s["id"] for s in body["scenarios"]]
    assert [(e["scenario"], e["code"], e["file"]) for e in body["errors"]] == [
        ("broken", "content_error", "scenarios/2.6.31/broken.toml")]


def test_one_scenario(client):
    body = client.get("/api/scenarios/g045-iret").get_json()
    assert body["id"] == "g045-iret" and body["version"] == "2.6.31"
    assert body["chapters"] == ["G:045", "M:004"]
    assert body["entry"] == "lguest_iret"
    assert "host_check" in body["actions"]


def test_unknown_scenario_is_404_and_lists_the_known(client):
    error = assert_error(client.get("/api/scenarios/no-such-thing"), 404, "not_found")
    assert "g045-iret" in error["detail"]["known"]


@pytest.mark.parametrize("bad", ["..", ".hidden", "a%20b"])
def test_malformed_scenario_id(client, bad):
    response = client.get(f"/api/scenarios/{bad}")
    assert response.status_code in (400, 404)
    assert_error(response, response.status_code)


def test_post_is_405(client):
    assert_error(client.post("/api/scenarios"), 405, "method_not_allowed")
