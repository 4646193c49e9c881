"""The web layer's share of issue 10: CSRF on state-changing forms, framing only for read-only chapter
views, nothing secret in the access log format, `journey serve` on the production gunicorn settings,
and a full disk answered 503 "could not save" with nothing half-written."""

from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from journey_app.web import create_app, gunicorn_conf
from tests.support.forms import form

FIX = "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"


@pytest.fixture()
def client(tmp_path, cache_dir):
    # the session's build cache (an edited line is built once, not once a test); a store of the test's own
    app = create_app({"cache_dir": cache_dir, "database_url": f"sqlite:///{tmp_path / 'store.sqlite3'}",
                      "instructor_token": "t0ken-t0ken", "grade_rate": 0})
    return app.test_client()


def test_grade_form_needs_the_csrf_token(client):
    page = client.get("/labs/irq-enable-fix")
    assert 'name="csrf"' in page.get_data(as_text=True) and "journey_csrf=" in page.headers["Set-Cookie"]
    assert "SameSite=Strict" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
    assert client.post("/labs/irq-enable-fix/grade", data={"line-78": FIX}).status_code == 403
    assert client.post("/labs/irq-enable-fix/grade", data=form(client, {"line-78": FIX})).status_code == 200


def test_a_form_from_another_site_is_refused_even_with_a_token(client):
    data = form(client, {"line-78": FIX})
    assert client.post("/labs/irq-enable-fix/grade", data=data, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/labs/irq-enable-fix/grade", data=data, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403


def test_a_form_body_that_is_not_utf8_is_a_400_saying_so_not_a_missing_token(client):
    form(client, {})
    body = b"csrf=" + b"x" * 43 + b"&line-78=\xff\xfe"
    response = client.post("/labs/irq-enable-fix/grade", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "UTF-8" in response.get_data(as_text=True)
    assert client.post("/labs/irq-enable-fix/grade", data=body, content_type="application/x-www-form-urlencoded",
                       headers={"Origin": "https://evil.example"}).status_code == 403


def test_a_body_that_is_not_a_form_is_refused_as_a_missing_token_not_as_bad_utf8(client):
    """JSON or plain text sent to a form's URL is not a form at all: no word about UTF-8 (the JSON API is
    elsewhere), the same 403 as any other POST without the form's token."""
    form(client, {})
    for body, kind in ((b'{"edits": {"78": "nop"}}', "application/json"), (b"csrf=x", "text/plain")):
        response = client.post("/labs/irq-enable-fix/grade", data=body, content_type=kind)
        assert response.status_code == 403 and "UTF-8" not in response.get_data(as_text=True), kind


def test_instructor_forms_need_the_token(client):
    assert client.post("/instructor/login", data={"token": "t0ken-t0ken"}).status_code == 403
    assert client.post("/instructor/login", data=form(client, {"token": "t0ken-t0ken"})).status_code == 303
    assert client.post("/instructor/logout").status_code == 403


@pytest.mark.parametrize("path, framed", [
    ("/chapters/G-033?embed=1", True), ("/chapters/G-033", False), ("/labs/irq-enable-fix?embed=1", False),
    ("/instructor?embed=1", False), ("/labs?embed=1", False), ("/?embed=1", False), ("/api/scenarios?embed=1", False),
])
def test_only_chapter_views_may_be_framed(client, path, framed):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert ("frame-ancestors *" in csp) == framed, (path, csp)
    assert ("X-Frame-Options" in response.headers) != framed


def test_the_access_log_leaves_out_query_strings_and_referers():
    fmt = gunicorn_conf.access_log_format
    assert "%(U)s" in fmt and "%(r)s" not in fmt and "%(q)s" not in fmt and "%(f)s" not in fmt
    assert "%({" not in fmt      # no request headers (Authorization, Cookie)


def test_journey_serve_uses_the_production_settings():
    from journey_app.commands.serve import production_config

    config = production_config("127.0.0.1", 8999, None)
    assert config["timeout"] == gunicorn_conf.timeout and config["access_log_format"] == gunicorn_conf.access_log_format
    assert config["bind"] == ["127.0.0.1:8999"] and config["workers"] == gunicorn_conf.workers
    assert production_config("::1", 8999, 3)["bind"] == ["[::1]:8999"]


def _mount_tiny(folder) -> bool:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_disk_full_is_503_could_not_save_with_nothing_half_written(tmp_path, cache_dir):
    disk = tmp_path / "tiny"
    if not _mount_tiny(disk):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        database = f"sqlite:///{disk / 'journey.sqlite3'}"
        app = create_app({"cache_dir": cache_dir, "database_url": database, "grade_rate": 0})
        client = app.test_client()
        body = {"student": "ada", "save": True, "edits": {"78": FIX}}
        assert client.post("/api/labs/irq-enable-fix/grade", json=body).status_code == 200
        engine = sa.create_engine(database)
        with engine.connect() as conn:
            before = conn.execute(sa.text("select count(*) from submissions")).scalar_one()
        filler = disk / "filler"
        with open(filler, "wb") as out:   # fill the disk to the last block
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        big = body    # the same submission: its build is cached, only the save needs the full disk
        response = client.post("/api/labs/irq-enable-fix/grade", json=big)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] in ("could_not_save", "database_unavailable")
        filler.unlink()
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from submissions")).scalar_one() == before
            assert conn.execute(sa.text("pragma integrity_check")).scalar_one() == "ok"
        assert client.post("/api/labs/irq-enable-fix/grade", json=big).status_code == 200   # room again: saved
        engine.dispose()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
