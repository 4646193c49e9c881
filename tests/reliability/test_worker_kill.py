"""A gunicorn worker killed (SIGKILL) in the middle of a stream of saved grades loses no submission that
was answered 2xx, leaves nothing half-written, and is replaced by the master.

Real gunicorn (production config, 2 workers), real grading (an actions lab, and an edit lab whose
edits each need a build), the
submissions store on SQLite always and on PostgreSQL when JOURNEY_TEST_POSTGRES_URL is set. The victim
is a worker caught with a toolchain process of its own, i.e. certainly in the middle of a request.
The store is then read directly with journey_app.labs.store. Only that worker PID, a child of the
master this test started, is signalled.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from journey_app.labs import Submission
from journey_app.labs.store import SubmissionStore
from journey_app.labs.tables import submissions
from tests.scale.servers import start_gunicorn

from .workers import wait_for_workers, worker_pids

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("JOURNEY_TEST_POSTGRES_URL", "")
REQUESTS_BEFORE_KILL = 24
REQUESTS_TOTAL = 72
REQUESTS_AFTER_RECOVERY = 8
CLIENTS = 6
ACTIONS_SOLUTION = "raise_irq 1; host_check; run_until journey_done"


def grade_request(prefix: str, i: int) -> tuple[str, dict]:
    """Request i: a unique student, saved; even ones an actions lab, odd ones an edit of their own (a
    new build each: the toolchain runs as a child of the worker for ~0.2 s)."""
    student = f"{prefix} {i:04d}"
    if i % 2 == 0:
        return "pending-restore-fl", {"student": student, "save": True, "actions": ACTIONS_SOLUTION}
    line = f"\tcmpl ${i}, lguest_data+LGUEST_DATA_irq_pending"
    return "irq-enable-fix", {"student": student, "save": True, "edits": {"78": line}}


def expected_submission(body: dict) -> dict:
    parts = {k: body[k] for k in ("actions", "answers") if k in body}
    if "edits" in body:
        parts["edits"] = body["edits"]
    return Submission.from_json(parts).to_json()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'submissions.sqlite3'}"
    if not PG_URL:
        pytest.skip("JOURNEY_TEST_POSTGRES_URL is not set (start one with .ci/postgres.sh start DIR)")
    return PG_URL


@pytest.fixture()
def server(database_url, tmp_path):
    srv = start_gunicorn("kill", tmp_path, {"DATABASE_URL": database_url,
                                             "JOURNEY_GRADE_RATE": "0"}, workers=2)   # no limiter here
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture()
def store(database_url):
    found = SubmissionStore(database_url)
    yield found
    found.close()


@pytest.fixture()
def prefix(store, database_url):
    """A unique student-name prefix for this test's rows (a PostgreSQL database is shared with other
    tests); on PostgreSQL the rows are deleted afterwards, pass or fail."""
    unique = f"killtest {uuid.uuid4().hex[:10]}"
    yield unique
    if not database_url.startswith("sqlite"):
        with store.engine.begin() as connection:
            connection.execute(sa.delete(submissions).where(submissions.c.student.like(f"{unique}%")))


def worker_mid_build(master_pid: int, timeout: float = 30.0) -> int | None:
    """A worker that has a child process (cpp, as or ld of an edited build): it is mid-request."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in worker_pids(master_pid):
            if worker_pids(pid):
                return pid
        time.sleep(0.002)
    return None


def rows_of(store: SubmissionStore, prefix: str) -> list:
    with store.engine.connect() as connection:
        return list(connection.execute(
            sa.select(submissions).where(submissions.c.student.like(f"{prefix} %")).order_by(submissions.c.id)))


def test_killing_a_worker_mid_load_loses_no_answered_submission(server, store, database_url, prefix):
    # Arrange: one unique student per request, both workers warm (store migrated, lab files read).
    sent: dict[int, tuple[str, dict]] = {i: grade_request(prefix, i) for i in range(REQUESTS_TOTAL)}
    for lab, body in (grade_request(prefix + "w", 0), grade_request(prefix + "w", 1)):
        assert server.post_json(f"/api/labs/{lab}/grade", {**body, "save": False}).status == 200
    workers = worker_pids(server.proc.pid)
    assert len(workers) == 2, workers
    answers: dict[int, tuple[int | None, dict | str]] = {}
    answered = threading.Semaphore(0)
    killed_after = {}

    def send(i: int) -> None:
        lab, body = sent[i]
        try:
            response = server.post_json(f"/api/labs/{lab}/grade", body, timeout=120)
            answers[i] = (response.status, response.json() if response.status == 200 else response.body[:300])
        except OSError as exc:   # connection reset / closed by the killed worker
            answers[i] = (None, repr(exc))
        answered.release()

    # Act: grades stream in from CLIENTS threads; after REQUESTS_BEFORE_KILL answers, a worker caught
    # building is SIGKILLed, and the stream goes on.
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(send, i) for i in range(REQUESTS_TOTAL)]
        for _ in range(REQUESTS_BEFORE_KILL):
            assert answered.acquire(timeout=120), "the server stopped answering before the kill"
        victim = worker_mid_build(server.proc.pid)
        assert victim in workers, (victim, workers)
        killed_after["answers"] = len(answers)
        os.kill(victim, signal.SIGKILL)
        for future in futures:
            future.result()
    replacements = wait_for_workers(server.proc.pid, 2, without=(victim,))
    after = {i: server.post_json(f"/api/labs/{lab}/grade", body)
             for i, (lab, body) in ((i, grade_request(prefix + "r", i)) for i in range(REQUESTS_AFTER_RECOVERY))}

    # Assert: the master is alive and replaced the victim; the site works again.
    ok = {i: a[1] for i, a in answers.items() if a[0] == 200}
    failed = {i: a for i, a in answers.items() if a[0] != 200}
    summary = f"{len(ok)} answered 200, {len(failed)} failed: {dict(list(failed.items())[:5])}"
    print(summary)
    assert server.proc.poll() is None, "the gunicorn master died"
    assert len(replacements) == 2 and victim not in replacements, (victim, replacements)
    assert [r.status for r in after.values()] == [200] * REQUESTS_AFTER_RECOVERY
    assert REQUESTS_BEFORE_KILL <= killed_after["answers"] < REQUESTS_TOTAL, killed_after
    assert all(a[0] in (200, None) for a in answers.values()), summary   # no 5xx, only cut connections
    assert failed, f"the request the victim was building was not cut: {summary}"
    assert ok, summary

    # Assert: every submission answered 2xx is in the store, exactly as sent and graded.
    for i, answer in ok.items():
        lab, body = sent[i]
        assert answer["saved"] is not None, (i, answer)
        stored = store.get(answer["saved"]["id"])
        assert (stored.student, stored.lab_id) == (body["student"], lab)
        assert stored.submission == expected_submission(body)
        assert (stored.score, stored.max_score) == (answer["score"], answer["max_score"])
        assert [c["passed"] for c in stored.results["checks"]] == [c["passed"] for c in answer["checks"]]

    # Assert: nothing half-written: each stored row of this test is a whole graded submission of a
    # request this test sent, stored at most once.
    rows = rows_of(store, prefix)
    by_student = {body["student"]: (lab, body) for lab, body in sent.values()}
    students = [row._mapping["student"] for row in rows]
    assert len(students) == len(set(students)), "a submission was stored twice"
    assert {answer["saved"]["id"] for answer in ok.values()} <= {row._mapping["id"] for row in rows}
    for row in rows:
        m = row._mapping
        lab, body = by_student[m["student"]]
        assert m["lab_id"] == lab
        assert m["submission"] == expected_submission(body)
        assert isinstance(m["results"], dict) and m["results"]["lab"] == lab
        assert (m["score"], m["max_score"]) == (m["results"]["score"], m["results"]["max_score"])
        assert m["digest"] == m["results"]["submission_digest"] != ""
    if database_url.startswith("sqlite"):
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
