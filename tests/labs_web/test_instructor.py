"""Instructor pages: disabled without a token, refused without the right one, the class table and its
CSV export with it (Bearer header or the login cookie), and what never happens (token in a URL,
a cookie outliving its token, unlimited guessing)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from journey_app.web.instructor import pages as instructor
from tests.support.forms import form

from .conftest import FIX, TOKEN, WRONG, assert_error

BEARER = {"Authorization": f"Bearer {TOKEN}"}
ROUTES = [("get", "/instructor"), ("get", "/instructor.json"), ("get", "/instructor/export.csv"),
          ("post", "/instructor/login"), ("post", "/instructor/logout")]


def grade(client, student: str, text: str, lab: str = "irq-enable-fix"):
    response = client.post(f"/api/labs/{lab}/grade", json={"student": student, "save": True, "edits": {"78": text}})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def graded(client):
    grade(client, "Ada Lovelace", WRONG)
    grade(client, "Ada Lovelace", FIX)
    grade(client, "Charles Babbage", WRONG)
    return client


# -- disabled, required, refused ----------------------------------------------------------------------


@pytest.mark.parametrize("method, url", ROUTES)
def test_without_a_token_configured_the_pages_are_disabled(make_app, method, url):
    client = make_app(instructor_token="").test_client()
    response = getattr(client, method)(url, headers=BEARER, data=form(client, {"token": ""}) if method == "post" else None)
    assert response.status_code == 403
    if url.endswith(".json"):
        assert assert_error(response, 403, "instructor_disabled")["message"].startswith("instructor pages are disabled")
    else:
        assert "instructor pages are disabled" in response.get_data(as_text=True)


def test_the_class_page_asks_for_the_token(client):
    response = client.get("/instructor")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    page = response.get_data(as_text=True)
    assert '<form class="instructor-login" method="post" action="/instructor/login">' in page
    assert 'type="password" id="instructor-token" name="token"' in page


@pytest.mark.parametrize("url", ["/instructor.json", "/instructor/export.csv"])
def test_data_needs_the_token(client, url):
    response = client.get(url, headers={"Accept": "application/json"})
    assert_error(response, 401, "unauthorized")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", f"Basic {TOKEN}", TOKEN,
                                    f"bearer  {TOKEN.upper()}"])
def test_a_wrong_authorization_header_is_refused(client, header):
    assert_error(client.get("/instructor.json", headers={"Authorization": header}), 401, "unauthorized")


def test_the_token_is_never_taken_from_the_url(client):
    assert_error(client.get(f"/instructor.json?token={TOKEN}"), 401)
    assert_error(client.get(f"/instructor/export.csv?token={TOKEN}", headers={"Accept": "application/json"}), 401)


def test_tokens_are_compared_in_constant_time(monkeypatch, client):
    calls = []
    real = instructor.hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(instructor.hmac, "compare_digest", spy)
    client.get("/instructor.json", headers={"Authorization": "Bearer short"})
    client.get("/instructor.json", headers=BEARER)
    # digests of equal length: neither the token's length nor a matching prefix shows in the timing
    assert calls and all(a == b == 32 for a, b in calls[:2])


def test_guessing_is_rate_limited(make_app):
    client = make_app(instructor_token=TOKEN, grade_rate=2).test_client()
    for _ in range(2):
        assert client.post("/instructor/login", data=form(client, {"token": "guess"})).status_code == 401
    response = client.post("/instructor/login", data=form(client, {"token": "guess"}))
    assert response.status_code == 429 and "Too many wrong tokens" in response.get_data(as_text=True)
    assert_error(client.get("/instructor.json", headers={"Authorization": "Bearer guess"}), 429, "rate_limited")
    # a limited client is refused before its token is compared: guessing right late gains nothing
    assert_error(client.get("/instructor.json", headers=BEARER), 429, "rate_limited")
    assert client.post("/instructor/login", data=form(client, {"token": TOKEN})).status_code == 429


def test_the_right_token_is_never_counted(make_app):
    client = make_app(instructor_token=TOKEN, grade_rate=2).test_client()
    for _ in range(5):
        assert client.get("/instructor.json", headers=BEARER).status_code == 200


# -- the class table and the CSV ----------------------------------------------------------------------


def test_class_table_with_the_bearer_token(graded):
    body = graded.get("/instructor.json", headers=BEARER).get_json()
    students = {s["student"]: s for s in body["students"]}
    assert set(students) == {"Ada Lovelace", "Charles Babbage"}
    ada = students["Ada Lovelace"]["labs"]["irq-enable-fix"]
    assert (ada["best_score"], ada["max_score"], ada["attempts"]) == (8, 8, 2)
    assert students["Charles Babbage"]["labs"]["irq-enable-fix"]["best_score"] == 2
    assert [lab["id"] for lab in body["labs"]][:1] == ["boot-hypercall"] and body["problems"] == []
    page = graded.get("/instructor", headers=BEARER).get_data(as_text=True)
    assert '<th scope="row">Ada Lovelace</th>' in page and "8/8" in page and "2 attempts" in page


def test_csv_export_has_a_row_per_student_and_lab(graded):
    response = graded.get("/instructor/export.csv", headers=BEARER)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"] == \
        'attachment; filename="journey-class.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["student"], r["lab"], r["best_score"], r["max_score"], r["attempts"]) for r in rows] == [
        ("Ada Lovelace", "irq-enable-fix", "8", "8", "2"), ("Charles Babbage", "irq-enable-fix", "2", "8", "1")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0]["last_submitted_utc"])


def test_csv_export_of_one_lab_and_wide(graded):
    one = graded.get("/instructor/export.csv?lab=irq-enable-fix", headers=BEARER)
    assert one.headers["Content-Disposition"] == 'attachment; filename="journey-class-irq-enable-fix.csv"'
    assert one.get_data(as_text=True).count("\n") == 3
    none = graded.get("/instructor/export.csv?lab=noirq-window", headers=BEARER).get_data(as_text=True)
    assert none == "student,lab,best_score,max_score,attempts,last_submitted_utc\n"
    wide = graded.get("/instructor/export.csv?wide=1", headers=BEARER).get_data(as_text=True).splitlines()
    assert wide[0] == "student,irq-enable-fix (/8),total,max_total"
    assert wide[1] == "Ada Lovelace,8,8,8"


@pytest.mark.parametrize("query, status", [("lab=Not%20An%20Id", 400), ("lab=no-such-lab", 404)])
def test_csv_export_refuses_unknown_labs(graded, query, status):
    response = graded.get(f"/instructor/export.csv?{query}", headers={**BEARER, "Accept": "application/json"})
    assert_error(response, status)


# -- the login cookie ------------------------------------------------------------------------------------


def login(client, token=TOKEN):
    return client.post("/instructor/login", data=form(client, {"token": token}))


def test_login_sets_a_signed_httponly_strict_cookie(graded):
    response = login(graded)
    assert response.status_code == 303 and response.headers["Location"] == "/instructor"
    assert TOKEN not in response.headers["Location"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{instructor.COOKIE}=")
    for part in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert part in cookie
    assert TOKEN not in cookie
    page = graded.get("/instructor")
    assert page.status_code == 200 and "Ada Lovelace" in page.get_data(as_text=True)
    csv_text = graded.get("/instructor/export.csv").get_data(as_text=True)
    assert "Ada Lovelace,irq-enable-fix,8,8,2" in csv_text


def test_a_wrong_login_is_refused_with_the_form_again(client):
    response = login(client, "not-it")
    assert response.status_code == 401 and "That is not the instructor token." in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert client.get("/instructor").status_code == 401


def test_a_tampered_cookie_is_refused(client):
    client.set_cookie(instructor.COOKIE, "eyJrIjoiMDAwIn0.AAAAAA.forged", path="/")
    assert client.get("/instructor").status_code == 401


def test_a_cookie_dies_with_its_token(make_app):
    old = make_app(instructor_token=TOKEN).test_client()
    login(old)
    cookie = old.get_cookie(instructor.COOKIE, path="/").value
    same = make_app(instructor_token=TOKEN).test_client()       # another worker, same token: accepted
    same.set_cookie(instructor.COOKIE, cookie, path="/")
    assert same.get("/instructor.json").status_code == 200
    rotated = make_app(instructor_token=TOKEN + "-new").test_client()
    rotated.set_cookie(instructor.COOKIE, cookie, path="/")
    assert rotated.get("/instructor.json").status_code == 401


def test_logout_ends_the_session(graded):
    login(graded)
    assert graded.get("/instructor").status_code == 200
    response = graded.post("/instructor/logout", data=form(graded, {}))
    assert response.status_code == 303 and f"{instructor.COOKIE}=;" in response.headers["Set-Cookie"]
    assert graded.get("/instructor").status_code == 401
