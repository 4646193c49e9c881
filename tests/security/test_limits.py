"""Rate limits hold across workers and restarts (real gunicorn, 2 workers, the shared SQL store), and a
limited client is refused before its token is compared: guessing the instructor token right, late, gets 429.
Clients are told apart by X-Forwarded-For behind one trusted proxy, as behind the compose nginx."""

from __future__ import annotations

import json
import secrets
import time

import pytest

from tests.scale.servers import ROOT, request, start_gunicorn

pytestmark = pytest.mark.slow
TOKEN = secrets.token_urlsafe(16)
LIMITS = {"JOURNEY_GRADE_RATE": "3", "JOURNEY_RUN_RATE": "1", "JOURNEY_INSTRUCTOR_TOKEN": TOKEN,
          "JOURNEY_TRUSTED_PROXIES": "1"}


def as_client(address: str, **headers) -> dict:
    return {"X-Forwarded-For": address, **headers}


def post(server, path: str, payload: dict, address: str):
    return request(server.port, "POST", path, json.dumps(payload).encode(),
                   as_client(address, **{"Content-Type": "application/json"}))


@pytest.fixture()
def database(tmp_path):
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'limits.sqlite3'}"}


def test_token_guessing_is_limited_across_workers_and_restarts(tmp_path, database):
    # The limiter reads fixed minutes as a sliding minute: a restart that crosses a minute boundary rightly
    # forgets part of the count. Start early in a minute so the two servers share one window.
    second = time.time() % 60
    if second > 30:
        time.sleep(60 - second)
    server = start_gunicorn("limits-a", tmp_path, {**LIMITS, **database}, workers=2)
    try:
        for _ in range(3):
            assert server.get("/instructor.json", headers=as_client("10.0.0.1", Authorization="Bearer guess")).status == 401
        assert server.get("/instructor.json", headers=as_client("10.0.0.1", Authorization="Bearer guess")).status == 429
        # the right token from the limited client: refused before it is compared
        limited = server.get("/instructor.json", headers=as_client("10.0.0.1", Authorization=f"Bearer {TOKEN}"))
        assert limited.status == 429 and limited.json()["error"]["code"] == "rate_limited"
        assert "retry-after" in limited.headers
        assert server.get("/instructor.json", headers=as_client("10.0.0.2", Authorization=f"Bearer {TOKEN}")).status == 200
    finally:
        server.stop()
    restarted = start_gunicorn("limits-b", tmp_path, {**LIMITS, **database}, workers=2)
    try:
        again = restarted.get("/instructor.json", headers=as_client("10.0.0.1", Authorization=f"Bearer {TOKEN}"))
        assert again.status == 429, "the count did not survive a restart"
    finally:
        restarted.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("limits")
    found = start_gunicorn("limits", workdir, {**LIMITS, "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}"},
                           workers=2)
    yield found
    found.stop()


def test_grading_is_limited_across_workers(server):
    statuses = [post(server, "/api/labs/pending-restore-fl/grade", {"actions": f"step {n}"}, "10.0.0.3").status
                for n in range(1, 6)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429], statuses


def test_emulation_time_is_charged_per_client(server):
    statuses = []
    for n in range(4):   # each runs into its 1 s time budget; the client's share is 1 s a minute
        body = {"scenario": "g033-restore-fl-first", "actions": f"set eip 0; step {5000 + n}"}
        statuses.append(post(server, "/api/run", body, "10.0.0.4").status)
    assert statuses[0] == 200 and 429 in statuses[1:], statuses
    # another client is not affected
    cheap = {"scenario": "g033-restore-fl-first", "actions": "step"}
    assert post(server, "/api/run", cheap, "10.0.0.5").status == 200


def test_what_if_and_page_views_share_the_emulation_charge(server):
    # A what-if is two replays: it spends the client's share like /api/run and is refused once it is gone.
    statuses = []
    for n in range(4):
        body = {"scenario": "g033-restore-fl-first", "actions": f"set eip 0; step {5000 + n}", "at": 0,
                "change": "host_check"}
        statuses.append(post(server, "/api/whatif", body, "10.0.0.6").status)
    assert statuses[0] == 200 and 429 in statuses[1:], statuses
    # a chapter page whose URL asks for a run still renders for that client, without running it
    page = server.get("/chapters/G-033?scenario=g033-restore-fl-first&actions=step%207",
                      headers=as_client("10.0.0.6"))
    assert page.status == 200 and b'"run":null' in page.body


def test_what_if_builds_of_edited_source_are_limited(server):
    text = (ROOT / "content/kernels/2.6.31/arch/x86/lguest/i386_head.S").read_text()
    body = {"scenario": "g033-restore-fl-first", "actions": "step", "at": 0, "change": "host_check",
            "source": {"arch/x86/lguest/i386_head.S": text}}
    statuses = [post(server, "/api/whatif", body, "10.0.0.7").status for _ in range(5)]
    assert 429 in statuses, statuses
