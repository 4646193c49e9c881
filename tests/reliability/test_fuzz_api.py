"""Schemathesis over every operation of /api/openapi.json, in-process, aimed past the front door.

tests/api/test_fuzz.py fuzzes the same document with ids drawn from the schema alone, so nearly every
lab and scenario request stops at "404 no such lab" and the grader, the sandbox, the store and the
hints are never reached; grading is also rate limited to 30 a minute. Here the document is narrowed to
the ids that exist (lab_id, scenario_id, scenario, version become enums of the real ones, so the
negative phase still sends wrong ones), the model solutions are the request examples, the rate limit is
off, the store is a scratch SQLite file and the instructor token is set and sent, so every route is
exercised behind its validation. Every answer must be non-5xx and match what the document says (status,
content type, schema, headers). The instructor pages (/instructor, its .json twin, the CSV export, login
and logout) are not /api/ routes and not in the document; hypothesis drives them directly at the end,
after the API fuzz has filled the store with whatever students it saved.

positive_data_acceptance is left out for the reason tests/api gives: a schema cannot say which strings
are valid action lists or sandbox-acceptable source lines, so schema-valid input may rightly get 400/422.
"""

from __future__ import annotations

import atexit
import copy
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis hypothesis")
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from journey_app.labs import Submission  # noqa: E402
from journey_app.web import create_app  # noqa: E402
from tests.support.forms import form as with_csrf  # noqa: E402

TOKEN = "reliability-fuzz-token-0123456789abcdef"
# Schemathesis does not decode Content-Encoding in process: ask for plain bodies.
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "identity"}
SUBMISSIONS = Path(__file__).resolve().parents[1] / "labs" / "submissions"
# Per operation. CI runs the same derandomized examples every time; JOURNEY_FUZZ_EXAMPLES=500
# JOURNEY_FUZZ_RANDOM=1 is a deeper, fresh exploration (run it after changing an API route).
MAX_EXAMPLES = int(os.environ.get("JOURNEY_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("JOURNEY_FUZZ_RANDOM") == "1"


def make_fuzz_app():
    work = Path(tempfile.mkdtemp(prefix="journey-reliability-fuzz-"))
    atexit.register(shutil.rmtree, work, True)
    app = create_app({
        "cache_dir": work / "cache",
        "database_url": f"sqlite:///{work / 'submissions.sqlite3'}",
        "instructor_token": TOKEN,
        "grade_rate": 0,            # the fuzzer must reach the grader, not the limiter
        "insn_budget": 5000,        # generated `run_until`s stay quick; labs that set their own keep it
        "max_actions": 200,
        "run_seconds": 30.0,        # model solutions must get full marks on a loaded machine too (C labs run ~0.5 s)
    })
    app.testing = True
    return app


def real_ids(app) -> dict[str, list[str]]:
    client = app.test_client()
    versions = client.get("/api/versions").get_json()["versions"]
    scenarios = sorted({s["id"] for v in versions
                        for s in client.get(f"/api/scenarios?version={v}").get_json()["scenarios"]})
    labs = [lab["id"] for lab in client.get("/api/labs").get_json()["labs"]]
    return {"version": versions, "scenario": scenarios, "lab": labs}


def model_solutions(labs: list[str]) -> list[dict]:
    """The sample labs' model solutions as API grade bodies (edits as {"<line>": "<text>"})."""
    bodies = []
    for lab in labs:
        path = SUBMISSIONS / lab / "solution.toml"
        if path.is_file():
            sub = Submission.load(path).to_json()
            body = {"actions": sub["actions"], "edits": {str(e["line"]): e["text"] for e in sub["edits"]},
                    "answers": sub["answers"], "student": "fuzz student", "save": True}
            bodies.append({k: v for k, v in body.items() if v not in ("", {}, [])})
    return bodies


def narrowed(document: dict, ids: dict[str, list[str]]) -> dict:
    """The served document with its id parameters and fields limited to ids that exist here."""
    doc = copy.deepcopy(document)
    enums = {"lab_id": ids["lab"], "scenario_id": ids["scenario"], "version": ids["version"],
             "scenario": ids["scenario"]}
    for item in doc["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter["name"] in enums and enums[parameter["name"]]:
                    parameter["schema"] = {"type": "string", "enum": enums[parameter["name"]]}
    for name in ("RunRequest", "LabRunRequest"):
        properties = doc["components"]["schemas"].get(name, {}).get("properties", {})
        for field in ("scenario", "version"):
            if field in properties and enums[field]:
                properties[field] = {"type": "string", "enum": enums[field]}
    grade = doc["paths"].get("/api/labs/{lab_id}/grade", {}).get("post")
    if grade is not None:
        media = grade["requestBody"]["content"]["application/json"]
        media["examples"] = {f"solution-{n}": {"value": body} for n, body in enumerate(model_solutions(ids["lab"]))}
    return doc


def load_schema(app):
    """from_wsgi reads the document the app serves; the narrowed copy is then bound to the same app."""
    served = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema = schemathesis.openapi.from_dict(narrowed(served.raw_schema, real_ids(app)))
    schema.app = app
    schema.location = served.location
    return schema


# Built at collection, as schemathesis' pytest integration needs (its lazy from_fixture does not work
# with pytest 9); an app and the document cost well under a second.
FUZZ_APP = make_fuzz_app()
API_SCHEMA = load_schema(FUZZ_APP)


def test_the_model_solutions_used_as_examples_get_full_marks():
    # Arrange: the grade examples the fuzzer starts from (one per sample lab)
    labs = real_ids(FUZZ_APP)["lab"]
    bodies = dict(zip(labs, model_solutions(labs), strict=True))
    assert len(bodies) == len(labs) >= 4
    client = FUZZ_APP.test_client()
    # Act
    grades = {lab: client.post(f"/api/labs/{lab}/grade", json=body, headers=HEADERS) for lab, body in bodies.items()}
    # Assert
    for lab, response in grades.items():
        assert response.status_code == 200, (lab, response.get_data(as_text=True)[:300])
        grade = response.get_json()
        assert grade["score"] == grade["max_score"] > 0 and grade["saved"] is not None, lab


def test_fuzzing_covers_every_served_api_route():
    # Arrange: the API routes the app really serves (the document itself is fetched, not fuzzed).
    served = set()
    for rule in FUZZ_APP.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = re.sub(r"\{[^}:]+:", "{", path)
            served |= {f"{m} {path}" for m in rule.methods - {"HEAD", "OPTIONS"}}
    served.discard("GET /api/openapi.json")
    # Act
    fuzzed = {op.ok().label for op in API_SCHEMA.get_all_operations()}
    # Assert
    assert served <= fuzzed, f"served but not fuzzed: {sorted(served - fuzzed)}"


@API_SCHEMA.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                     derandomize=not RANDOM)
def test_every_operation_answers_as_documented_and_never_5xx(case):
    # Arrange: `case` is one generated request (valid or deliberately invalid) for one operation.
    # Act + Assert: the checks include not_a_server_error and the conformance checks.
    case.call_and_validate(headers=HEADERS, excluded_checks=[positive_data_acceptance])


# -- instructor routes: HTML/CSV pages outside /api/, so not in the document; fuzzed by hand --------------

_VISIBLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_LAB_VALUES = st.one_of(st.sampled_from(real_ids(FUZZ_APP)["lab"] or ["none"]), st.text(max_size=70))
_AUTH = st.one_of(st.none(), st.just(f"Bearer {TOKEN}"), st.just(f"bearer  {TOKEN} "),
                  st.builds(lambda t: f"Bearer {t}", st.text(_VISIBLE, max_size=60)), st.text(_VISIBLE, max_size=60))


@given(path=st.sampled_from(["/instructor", "/instructor.json", "/instructor/export.csv"]),
       labs=st.lists(_LAB_VALUES, max_size=3), wide=st.one_of(st.none(), st.sampled_from(["1", "true", "0", ""]),
                                                            st.text(max_size=5)),
       auth=_AUTH, cookie=st.one_of(st.none(), st.text(_VISIBLE, max_size=80)))
@hypothesis_settings(max_examples=4 * MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                     derandomize=not RANDOM)
def test_instructor_pages_never_5xx_and_refuse_in_the_error_shape(path, labs, wide, auth, cookie):
    # Arrange: runs after the API fuzz above, so the store holds whatever students it saved.
    client = FUZZ_APP.test_client()
    if cookie is not None:
        client.set_cookie("journey_instructor", cookie)
    query = {"lab": labs, **({"wide": wide} if wide is not None else {})}
    # Act
    response = client.get(path, query_string=query, headers={"Authorization": auth} if auth is not None else {})
    # Assert
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code == 401:
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    if response.status_code >= 400 and path.endswith(".json"):
        body = response.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    elif response.status_code >= 400 and path != "/instructor":     # /instructor answers 401 with its login form
        assert 'class="error-page"' in response.get_data(as_text=True)
    if auth == f"Bearer {TOKEN}" and not labs:
        assert response.status_code == 200


@given(form=st.dictionaries(st.sampled_from(["token", "next", "x"]), st.text(max_size=80), max_size=3),
       action=st.sampled_from(["/instructor/login", "/instructor/logout"]))
@hypothesis_settings(max_examples=2 * MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                     derandomize=not RANDOM)
def test_instructor_login_and_logout_never_5xx(form, action):
    # Act
    client = FUZZ_APP.test_client()
    without_csrf = client.post(action, data=form)
    response = client.post(action, data=with_csrf(client, form))
    # Assert
    assert without_csrf.status_code == 403      # a form that changes state needs its CSRF token
    assert response.status_code < 500
    if action == "/instructor/login":
        assert response.status_code == (303 if form.get("token") == TOKEN else 401)
