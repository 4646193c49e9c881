"""The lab JSON API: list, student view, grade (with the store and hints), run (edited source), errors."""

from __future__ import annotations

import json

import pytest

from journey_app import paths
from journey_app.labs.store import open_store

from .conftest import FIX, HEAD, LABS, WRONG, assert_error, submission

GRADE = "/api/labs/irq-enable-fix/grade"
RUN = "/api/labs/irq-enable-fix/run"


def source_line(n: int) -> str:
    return (paths.bundled_content_root() / "kernels" / "2.6.31" / HEAD).read_text().split("\n")[n - 1]


# -- list and student view ------------------------------------------------------------------------


def test_list_names_every_sample_lab_with_its_links(client):
    body = client.get("/api/labs").get_json()
    by_id = {lab["id"]: lab for lab in body["labs"]}
    assert sorted(by_id) == sorted(LABS)
    fix = by_id["irq-enable-fix"]
    assert fix["url"] == "/labs/irq-enable-fix" and fix["api"] == "/api/labs/irq-enable-fix"
    assert fix["editable"] is True and fix["student_actions"] is False and fix["max_score"] == 8
    assert by_id["boot-hypercall"]["questions"] == 3


def test_lab_view_has_the_editable_line_as_shipped_and_its_routine_around_it(client):
    lab = client.get("/api/labs/irq-enable-fix").get_json()
    assert lab["editable"]["lines"] == [78]
    assert lab["editable"]["original"] == [{"line": 78, "text": source_line(78)}]
    assert "testl $0" in source_line(78)
    source = lab["source"]
    assert source["file"] == HEAD and source["first"] <= 66 and source["last"] >= 107
    editable = [line["line"] for line in source["lines"] if line["editable"]]
    assert editable == [78]
    assert {line["line"]: line["text"] for line in source["lines"]}[79] == source_line(79)
    assert lab["grade_url"] == "/api/labs/irq-enable-fix/grade" and lab["run_url"] == "/api/labs/irq-enable-fix/run"


def test_lab_view_gives_hints_without_their_text_until_asked(client):
    lab = client.get("/api/labs/irq-enable-fix").get_json()
    assert [set(h) for h in lab["hints"]] == [{"n", "after"}] * 3
    assert lab["hints_open"] == []
    two = client.get("/api/labs/irq-enable-fix?hints=2").get_json()
    assert [h["n"] for h in two["hints_open"]] == [1, 2]
    assert "testl" in two["hints_open"][0]["text"]


@pytest.mark.parametrize("query", ["hints=-1", "hints=abc", "hints=101", "hints=", "student=", "student=%3Dcmd",
                                   "student=" + "a" * 65])
def test_lab_view_refuses_malformed_parameters(client, query):
    assert_error(client.get(f"/api/labs/irq-enable-fix?{query}"), 400, "bad_input")


@pytest.mark.parametrize("lab_id", ["no-such-lab", "Bad_ID", "..", "a" * 70])
def test_unknown_lab_is_404_everywhere(client, lab_id):
    assert_error(client.get(f"/api/labs/{lab_id}"), 404, "not_found")
    assert_error(client.post(f"/api/labs/{lab_id}/grade", json={}), 404, "not_found")
    assert_error(client.post(f"/api/labs/{lab_id}/run", json={}), 404, "not_found")


def test_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    for path, method in [("/api/labs", "get"), ("/api/labs/{lab_id}", "get"),
                         ("/api/labs/{lab_id}/grade", "post"), ("/api/labs/{lab_id}/run", "post")]:
        assert method in spec["paths"][path]
    for name in ("Lab", "LabList", "GradeRequest", "GradeResponse", "LabRunRequest", "LabRunResponse"):
        assert name in spec["components"]["schemas"]


# -- grading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lab_id", LABS)
def test_model_solution_gets_full_marks_and_the_wrong_attempt_does_not(client, lab_id):
    good = client.post(f"/api/labs/{lab_id}/grade", json=submission(lab_id, "solution")).get_json()
    assert good["passed"] is True and good["score"] == good["max_score"], good["summary"]
    bad = client.post(f"/api/labs/{lab_id}/grade", json=submission(lab_id, "wrong")).get_json()
    assert bad["passed"] is False and bad["score"] < bad["max_score"]
    assert bad["reread"], "a failed attempt names the chapter to reread"


def test_failed_check_says_what_to_reread_with_a_link(client):
    grade = client.post(GRADE, json={"edits": {"78": WRONG}}).get_json()
    sent = next(c for c in grade["checks"] if c.get("id") == "sent")
    assert sent["passed"] is False
    assert sent["chapter"] == "G:033" and sent["chapter_url"] == "/chapters/G-033"
    assert "jnz" in sent["advice"]
    assert grade["summary"].startswith("Score ") and "Reread G:033" in grade["summary"]
    assert {"id": "G:033", "url": "/chapters/G-033"}.items() <= grade["reread_links"][0].items()


def test_same_submission_same_grade(client):
    first = client.post(GRADE, json={"edits": {"78": FIX}}).get_data()
    again = client.post(GRADE, json={"edits": {"78": FIX}}).get_data()
    assert first == again


def test_unchanged_lines_are_not_edits(client):
    grade = client.post(GRADE, json={"edits": {"78": source_line(78)}}).get_json()
    assert grade["build"] is None and grade["passed"] is False


def test_save_records_the_attempt_and_failures_open_hints(app, client):
    first = client.post(GRADE, json={"student": "Ada Lovelace", "save": True, "edits": {"78": WRONG}}).get_json()
    assert first["saved"]["id"] >= 1 and first["student"] == "Ada Lovelace"
    assert first["failed_attempts"] == 1
    assert [h["n"] for h in first["hints"]] == [1] and "testl" in first["hints"][0]["text"]
    second = client.post(GRADE, json={"student": "Ada Lovelace", "save": True, "edits": {"78": WRONG}}).get_json()
    assert second["failed_attempts"] == 2 and [h["n"] for h in second["hints"]] == [1, 2]
    done = client.post(GRADE, json={"student": "Ada Lovelace", "save": True, "edits": {"78": FIX}}).get_json()
    assert done["passed"] and done["failed_attempts"] == 2
    store = open_store(app.extensions["journey.settings"].database_url)
    rows = store.class_table()
    assert [(r.student, r.lab_id, r.best_score, r.attempts) for r in rows] == [("Ada Lovelace", "irq-enable-fix", 8, 3)]
    # the student view of the lab opens the same hints for that student
    view = client.get("/api/labs/irq-enable-fix?student=Ada%20Lovelace").get_json()
    assert view["failed_attempts"] == 2 and [h["n"] for h in view["hints_open"]] == [1, 2]


def test_a_reused_grade_carries_only_the_asking_students_own_fields(client):
    """Two students send the same work: the grade is reused, the name, stored attempt, failed count and hints
    are each one's own, and an anonymous answer carries none of them."""
    body = {"save": True, "edits": {"78": WRONG}}
    ada = [client.post(GRADE, json={"student": "Ada", **body}).get_json() for _ in range(2)][-1]
    bob = client.post(GRADE, json={"student": "Bob", **body}).get_json()
    anonymous = client.post(GRADE, json={"edits": {"78": WRONG}}).get_json()

    assert (ada["student"], ada["saved"]["attempt"], ada["failed_attempts"], len(ada["hints"])) == ("Ada", 2, 2, 2)
    assert (bob["student"], bob["saved"]["attempt"], bob["failed_attempts"], len(bob["hints"])) == ("Bob", 1, 1, 1)
    assert bob["saved"]["id"] != ada["saved"]["id"] and "Ada" not in json.dumps(bob)
    assert (anonymous["student"], anonymous["saved"], anonymous["failed_attempts"], anonymous["hints"]) == (None, None, 0, [])
    shared = ("score", "checks", "summary", "reread_links")
    assert [ada[k] for k in shared] == [bob[k] for k in shared] == [anonymous[k] for k in shared]


def test_a_repeated_grade_is_the_same_json_and_its_links_follow_the_mount_point(client):
    """Grades and their linked views are reused for a repeated submission; the chapter links are made for the
    URL prefix the app is mounted under (SCRIPT_NAME), never taken from another prefix's request."""
    body = {"edits": {"78": WRONG}}
    first = client.post(GRADE, json=body).get_json()
    assert client.post(GRADE, json=body).get_json() == first
    mounted = client.post(GRADE, json=body, base_url="http://localhost/course").get_json()
    links = [row["chapter_url"] for row in first["checks"] if row.get("chapter_url")]
    assert links and all(url.startswith("/chapters/") for url in links)
    assert [row.get("chapter_url") for row in mounted["checks"]] == [
        "/course" + url if url else url for url in (row.get("chapter_url") for row in first["checks"])]
    assert [link["url"] for link in mounted["reread_links"]] == ["/course" + link["url"] for link in first["reread_links"]]


def test_a_repeated_grade_links_the_chapters_as_the_content_now_titles_them(make_app, tmp_path):
    """The linked view of a reused grade follows the content: a chapter retitled in titles.toml (no build
    input, so the same build and grade) shows its new title in the next response."""
    import shutil

    root = tmp_path / "content"
    shutil.copytree(paths.bundled_content_root(), root)
    client = make_app(content_root=root).test_client()
    body = {"edits": {"78": WRONG}}

    def titles() -> set:
        checks = client.post(GRADE, json=body).get_json()["checks"]
        return {row["chapter_title"] for row in checks if row.get("chapter") == "G:033"}

    before = titles()
    titles_file = root / "kernels" / "2.6.31" / "titles.toml"
    text = titles_file.read_text()
    line = next(line for line in text.split("\n") if line.startswith('"G:033"'))
    titles_file.write_text(text.replace(line, '"G:033" = "Retitled by an instructor"'))
    client.application.extensions["journey.catalog"].library.recheck_seconds = 0

    assert before and before != {"Retitled by an instructor"}
    assert titles() == {"Retitled by an instructor"}


def test_unsaved_attempts_are_not_recorded_but_hints_can_be_asked_for(app, client):
    grade = client.post(GRADE, json={"edits": {"78": WRONG}, "hints": 3}).get_json()
    assert grade["saved"] is None and grade["student"] is None
    assert [h["n"] for h in grade["hints"]] == [1, 2, 3] and grade["hints_total"] == 3
    assert open_store(app.extensions["journey.settings"].database_url).class_table() == []


@pytest.mark.parametrize("body, field", [
    ({"save": True}, "student"),
    ({"student": None}, "student"),
    ({"student": "", "save": True}, "student"),
    ({"student": "a" * 65}, "student"),
    ({"student": "=HYPERLINK()"}, "student"),
    ({"save": "yes"}, "save"),
    ({"hints": -1}, "hints"),
    ({"hints": None}, "hints"),
    ({"hints": True}, "hints"),
    ({"edits": [{"line": 78, "text": FIX}]}, "edits"),
    ({"edits": {"x78": FIX}}, "edits"),
    ({"edits": {"0": FIX}}, None),
    ({"answers": {"q": "x" * 201}}, "answers.q"),
    ({"answers": []}, "answers"),
    ({"actions": "step"}, "actions"),          # irq-enable-fix takes no actions
    ({"answers": {"nope": "1"}}, "answers.nope"),
    ({"surprise": 1}, None),
])
def test_malformed_grade_requests_are_400(client, body, field):
    error = assert_error(client.post(GRADE, json=body), 400, "bad_input")
    if field is not None:
        assert error["detail"]["field"] == field


def test_grade_needs_a_json_object(client):
    assert_error(client.post(GRADE, data="edits=1", content_type="application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type")
    assert_error(client.post(GRADE, data="{nope", content_type="application/json"), 400, "bad_input")
    assert_error(client.post(GRADE, data="[1]", content_type="application/json"), 400, "bad_input")


def test_oversized_request_is_413_in_the_one_shape(client):
    body = json.dumps({"edits": {"78": "x" * (300 * 1024)}})
    assert_error(client.post(GRADE, data=body, content_type="application/json"), 413, "too_large")


@pytest.mark.parametrize("text, reason", [
    ('\t.incbin "/etc/passwd"', ".incbin"),
    ('#include "/etc/passwd"', "preprocessor"),
    ("\t.include \"evil.S\"", ".include"),
    ("\t.rept 100000000", ".rept"),
])
def test_hostile_edits_are_refused_on_the_students_line(client, text, reason):
    error = assert_error(client.post(GRADE, json={"edits": {"78": text}}), 422, "sandbox_refused")
    assert error["detail"]["line"] == 78 and reason in error["detail"]["reason"]
    assert client.get("/api/labs").status_code == 200   # and the server keeps serving


def test_edit_outside_the_permitted_lines_is_refused(client):
    error = assert_error(client.post(GRADE, json={"edits": {"79": "\tnop"}}), 422, "sandbox_refused")
    assert error["detail"]["line"] == 79


def test_edit_that_does_not_assemble_is_graded_zero_with_the_assemblers_words(client):
    grade = client.post(GRADE, json={"edits": {"78": "\tcmpl $0, %%%"}}).get_json()
    assert grade["outcome"] == "build_error" and grade["score"] == 0
    assert grade["build_errors"][0]["line"] == 78 and grade["build_errors"][0]["yours"] is True


def test_grading_is_rate_limited_in_the_one_shape(make_app):
    client = make_app(grade_rate=2).test_client()
    for _ in range(2):
        assert client.post(GRADE, json={"edits": {"78": FIX}}).status_code == 200
    error = assert_error(client.post(GRADE, json={"edits": {"78": FIX}}), 429, "rate_limited")
    assert error["detail"]["limit_per_minute"] == 2 and error["detail"]["retry_after_seconds"] >= 1


# -- trying an edited source ---------------------------------------------------------------------------


def test_run_without_edits_is_the_scenario_after_the_labs_setup(client):
    body = client.post(RUN, json={"actions": "step", "kinds": ["action"]}).get_json()
    assert body["actions"] == ["step"] and body["build"]["edited"] is False and body["edited"] == []
    setup, mine = body["events"]
    assert setup["action"] == "set eax 0x1234" and setup["action_index"] == -1   # the lab's setup is "the start"
    assert mine["action"] == "step" and mine["action_index"] == 0
    assert body["state"]["registers"]["eax"] == 0x1234


def test_run_my_version_makes_the_hypercall_the_shipped_code_does_not(client):
    def calls(edits):
        body = client.post(RUN, json={"actions": "run_until journey_done", "edits": edits,
                                      "kinds": ["hypercall"]}).get_json()
        return [e["name"] for e in body["events"]], body
    shipped, _ = calls({})
    mine, body = calls({"78": FIX})
    assert "LHCALL_SEND_INTERRUPTS" not in shipped
    assert "LHCALL_SEND_INTERRUPTS" in mine
    assert body["edited"] == [78] and body["build"]["edited"] is True
    assert body["state"]["status"] == "finished"


def test_run_events_from_counts_from_the_students_actions(client):
    body = client.post(RUN, json={"actions": "step; step; step", "events_from": 2, "kinds": ["action"]}).get_json()
    assert [e["action_index"] for e in body["events"]] == [2] and body["events_from"] == 2


def test_run_reports_a_bad_action_in_the_students_own_numbering(client):
    error = assert_error(client.post(RUN, json={"actions": "step; frobnicate"}), 400, "bad_input")
    assert error["detail"]["action_index"] == 1 and error["detail"]["word"] == "frobnicate"


@pytest.mark.parametrize("body", [{"scenario": "g045-iret"}, {"version": "2.6.99"}, {"kinds": None},
                                  {"kinds": ["nope"]}, {"max_events": -1}, {"events_from": "1"},
                                  {"edits": "78"}, {"actions": 3}, {"source": {}}])
def test_malformed_run_requests_are_400(client, body):
    assert_error(client.post(RUN, json=body), 400, "bad_input")


def test_run_refuses_hostile_edits_and_maps_build_errors_to_the_line(client):
    error = assert_error(client.post(RUN, json={"edits": {"78": '.incbin "/etc/passwd"'}}), 422, "sandbox_refused")
    assert error["detail"]["line"] == 78
    assert error["detail"]["reason"].startswith(".incbin is not allowed in edited lines")
    error = assert_error(client.post(RUN, json={"edits": {"78": "\tcmpl $0, %%%"}}), 422, "build_error")
    assert error["detail"]["lines"][0]["line"] == 78 and error["detail"]["lines"][0]["yours"] is True
    assert set(error["detail"]) == {"file", "lines", "edited"}   # no commands or scratch paths


def test_run_in_a_lab_without_editable_lines_refuses_edits(client):
    error = assert_error(client.post("/api/labs/noirq-window/run", json={"edits": {"180": "nop"}}), 422,
                         "sandbox_refused")
    assert error["detail"]["line"] == 180


def test_new_builds_are_rate_limited_but_stepping_a_built_version_is_not(make_app):
    client = make_app(grade_rate=2).test_client()
    for n in range(2):
        assert client.post(RUN, json={"edits": {"78": FIX + " " * n}}).status_code == 200
    for _ in range(5):   # the same two versions again: already built, no limit
        assert client.post(RUN, json={"actions": "step", "edits": {"78": FIX}}).status_code == 200
    assert client.post(RUN, json={"actions": "step"}).status_code == 200   # the shipped kernel: no build
    assert_error(client.post(RUN, json={"edits": {"78": FIX + "  # third"}}), 429, "rate_limited")
