"""The submissions store against a real SQLite file always, and a real PostgreSQL server when
JOURNEY_TEST_POSTGRES_URL is set (`.ci/postgres.sh start DIR` prints one)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import sqlalchemy as sa

from journey_app.errors import BadInput, NotFound, StorageUnavailable
from journey_app.labs import store as store_module
from journey_app.labs.roster import class_csv
from journey_app.labs.store import ClassRow, SubmissionStore, upgrade_to_head, validate_student
from journey_app.labs.tables import metadata
from datetime import UTC

PG_URL = os.environ.get("JOURNEY_TEST_POSTGRES_URL", "")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pg_schema_url() -> str:
    """A fresh schema per test, so each test migrates an empty database of its own."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    joiner = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'journey.sqlite3'}"
    if not PG_URL:
        pytest.skip("JOURNEY_TEST_POSTGRES_URL is not set (start one with .ci/postgres.sh start DIR)")
    return _pg_schema_url()


@pytest.fixture
def store(url):
    s = SubmissionStore(url)
    yield s
    s.close()


def results(score: int, max_score: int = 5, digest: str = "d" * 64) -> dict:
    return {"score": score, "max_score": max_score, "submission_digest": digest,
            "checks": [{"n": 1, "passed": score == max_score}]}


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


# --- schema and migrations ------------------------------------------------------------------------

def test_migrations_reach_head_and_are_idempotent(url):
    upgrade_to_head(url)
    store_module._migrated.discard(url)  # force a second real upgrade in this process
    upgrade_to_head(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0002"
        assert "submissions" in sa.inspect(connection).get_table_names()
    engine.dispose()


def test_migration_0002_counts_the_submissions_stored_before_it(url):
    from alembic import command

    from journey_app.labs.store import alembic_config

    command.upgrade(alembic_config(url), "0001")
    engine = sa.create_engine(url)
    insert = sa.text("INSERT INTO submissions (student, lab_id, digest, submission, score, max_score, results, "
                     "created_at) VALUES (:student, 'noirq-window', 'd', '{}', :score, 5, '{}', CURRENT_TIMESTAMP)")
    with engine.begin() as connection:
        for student, score in [("ada", 5), ("ada", 1), ("ada", 2), ("bob", 5)]:
            connection.execute(insert, {"student": student, "score": score})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT student, attempts, failed FROM attempt_counts ORDER BY student"))
        assert [tuple(r) for r in rows] == [("ada", 3, 2), ("bob", 1, 0)]
    engine.dispose()
    store_module._migrated.discard(url)
    s = SubmissionStore(url)
    try:
        _stored, failed, attempt = s.record_attempt("ada", "noirq-window", {}, results(0))
        assert (attempt, failed) == (4, 3)            # the counters carry on from the rows before them
    finally:
        s.close()


def test_the_counters_follow_every_stored_submission(store):
    for student, score in [("ada", 1), ("bob", 5), ("ada", 5), ("ada", 0)]:
        store.record_attempt(student, "irq-enable-fix", {}, results(score))
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT student, attempts, failed FROM attempt_counts ORDER BY student"))
        assert [tuple(r) for r in rows] == [("ada", 3, 2), ("bob", 1, 0)]
    assert (store.attempts("ada", "irq-enable-fix"), store.failed_attempts("ada", "irq-enable-fix")) == (3, 2)


def test_tables_module_matches_the_migrations(url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade_to_head(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diffs == []


def test_parallel_workers_migrate_a_fresh_database_once(url):
    code = f"""
        from journey_app.labs.store import upgrade_to_head
        upgrade_to_head({url!r})
        print("ok")
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in outputs]


# --- records --------------------------------------------------------------------------------------

def test_record_round_trip(store):
    submission = {"actions": "", "edits": [{"line": 78, "text": "\tcmpl $0, x"}], "answers": {}}
    stored = store.record("  Zoë   O'Brien ", "irq-enable-fix", submission, results(5))
    fetched = store.get(stored.id)
    assert fetched == stored
    assert fetched.student == "Zoë O'Brien"
    assert fetched.submission == submission
    assert fetched.results["checks"] == [{"n": 1, "passed": True}]
    assert fetched.created_at.tzinfo is not None and fetched.created_at.utcoffset().total_seconds() == 0


def test_record_attempt_counts_the_students_own_attempts_and_failures(store):
    # (student, score) in order, and the (failed, attempt) each write returns: the student's own counts at
    # this lab, the new submission included, whoever else submits in between
    script = [("ada", 2, (1, 1)), ("bob", 5, (0, 1)), ("ada", 5, (1, 2)), ("ada", 0, (2, 3)),
              ("bob", 1, (1, 2)), ("ada", 5, (2, 4))]
    store.record("ada", "noirq-window", {}, results(0))          # another lab counts apart
    for student, score, expected in script:
        stored, failed, attempt = store.record_attempt(student, "irq-enable-fix", {"n": score}, results(score))
        assert (failed, attempt) == expected, (student, score)
        assert store.get(stored.id) == stored
    assert store.attempts("ada", "irq-enable-fix") == 4 and store.failed_attempts("ada", "irq-enable-fix") == 2


def test_missing_submission_is_not_found(store):
    with pytest.raises(NotFound):
        store.get(123456)


@pytest.mark.parametrize("name", ["", " ", "x" * 65, "=HYPERLINK(\"http://evil\")", "bob\x00", "a\tb\nc;DROP",
                                  "<script>", 42])
def test_bad_student_names_are_refused(store, name):
    with pytest.raises(BadInput):
        store.record(name, "irq-enable-fix", {}, results(1))


def test_student_names_are_normalised():
    assert validate_student("  ada   lovelace ") == "ada lovelace"
    assert validate_student("s1234567@uni.example") == "s1234567@uni.example"


def test_bad_lab_id_is_refused(store):
    with pytest.raises(BadInput):
        store.record("ada", "../../etc", {}, results(1))


def test_score_above_max_is_refused_by_the_database(store):
    with pytest.raises(sa.exc.IntegrityError):
        store.record("ada", "irq-enable-fix", {}, results(6, 5))


# --- class table and CSV --------------------------------------------------------------------------

def test_class_table_keeps_the_best_score_per_student_per_lab(store):
    store.record("ada", "irq-enable-fix", {}, results(2))
    store.record("ada", "irq-enable-fix", {}, results(5))
    store.record("ada", "irq-enable-fix", {}, results(3))
    store.record("bob", "irq-enable-fix", {}, results(0))
    store.record("ada", "noirq-window", {}, results(1, 4))
    rows = store.class_table()
    assert [(r.student, r.lab_id, r.best_score, r.max_score, r.attempts) for r in rows] == [
        ("ada", "irq-enable-fix", 5, 5, 3), ("ada", "noirq-window", 1, 4, 1), ("bob", "irq-enable-fix", 0, 5, 1)]
    assert [r.lab_id for r in store.class_table(["noirq-window"])] == ["noirq-window"]


def test_failed_attempts_count_below_full_marks(store):
    store.record("ada", "irq-enable-fix", {}, results(2))
    store.record("ada", "irq-enable-fix", {}, results(3))
    store.record("ada", "irq-enable-fix", {}, results(5))
    assert store.failed_attempts("ada", "irq-enable-fix") == 2
    assert store.failed_attempts("bob", "irq-enable-fix") == 0


def test_submissions_newest_first_and_filtered(store):
    first = store.record("ada", "irq-enable-fix", {}, results(1))
    second = store.record("ada", "irq-enable-fix", {}, results(2))
    store.record("bob", "irq-enable-fix", {}, results(3))
    assert [s.id for s in store.submissions(student="ada")] == [second.id, first.id]
    assert len(store.submissions(lab_id="irq-enable-fix")) == 3


def test_csv_export_long_and_wide(store):
    store.record("ada", "irq-enable-fix", {}, results(5))
    store.record("bob", "noirq-window", {}, results(1, 4))
    long_rows = store.export_csv().splitlines()
    assert long_rows[0] == "student,lab,best_score,max_score,attempts,last_submitted_utc"
    assert long_rows[1].startswith("ada,irq-enable-fix,5,5,1,")
    wide_rows = store.export_csv(wide=True).splitlines()
    assert wide_rows == ["student,irq-enable-fix (/5),noirq-window (/4),total,max_total",
                         "ada,5,,5,9", "bob,,1,1,9"]


def test_csv_cells_never_start_a_formula():
    from datetime import datetime

    row = ClassRow("=cmd|' /C calc'!A0", "lab", 1, 2, 1, datetime(2009, 9, 9, tzinfo=UTC))
    assert class_csv([row]).splitlines()[1].startswith("'=cmd")


# --- durability and concurrency -------------------------------------------------------------------

def test_committed_submission_survives_a_killed_worker(url, store):
    code = f"""
        import os, signal
        from journey_app.labs.store import SubmissionStore
        s = SubmissionStore({url!r})
        s.record("ada", "irq-enable-fix", {{"actions": "step"}}, {{"score": 5, "max_score": 5}})
        os.kill(os.getpid(), signal.SIGKILL)
    """
    proc = run_python(code)
    assert proc.returncode == -9, proc.stderr
    assert [(s.student, s.score) for s in store.submissions()] == [("ada", 5)]


def test_uncommitted_submission_is_not_half_written(url, store):
    code = f"""
        import os, signal
        import sqlalchemy as sa
        from journey_app.labs.store import SubmissionStore
        from journey_app.labs.tables import submissions
        s = SubmissionStore({url!r})                # migrates; its own engine is in autocommit
        connection = sa.create_engine({url!r}).connect()
        transaction = connection.begin()
        connection.execute(sa.insert(submissions).values(student="eve", lab_id="irq-enable-fix", digest="",
                           submission={{}}, score=5, max_score=5, results={{}}))
        os.kill(os.getpid(), signal.SIGKILL)   # dies inside the transaction
    """
    proc = run_python(code)
    assert proc.returncode == -9, proc.stderr
    assert store.submissions() == []
    assert store.record("ada", "irq-enable-fix", {}, results(1)).student == "ada"  # and the database is usable


@pytest.mark.postgres
def test_a_lost_database_connection_costs_one_refused_write_then_recovers(monkeypatch):
    """A pooled connection used again within PING_AFTER_IDLE_S is not pinged: when its server process is
    gone, the write is refused (nothing stored) and the next one connects afresh. After the idle time the
    ping finds it dead and the write goes through on a fresh connection."""
    if not PG_URL:
        pytest.skip("JOURNEY_TEST_POSTGRES_URL is not set (start one with .ci/postgres.sh start DIR)")
    s = SubmissionStore(_pg_schema_url())
    admin = sa.create_engine(PG_URL)

    def kill_the_pooled_connection():
        with s.engine.connect() as connection:
            pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()

    try:
        s.record("ada", "irq-enable-fix", {}, results(1))
        monkeypatch.setattr(store_module, "PING_AFTER_IDLE_S", 3600.0)
        kill_the_pooled_connection()
        with pytest.raises(StorageUnavailable):
            s.record("ada", "irq-enable-fix", {}, results(2))
        assert s.record("ada", "irq-enable-fix", {}, results(3)).score == 3
        monkeypatch.setattr(store_module, "PING_AFTER_IDLE_S", 0.0)
        kill_the_pooled_connection()
        assert s.record("ada", "irq-enable-fix", {}, results(4)).score == 4
        assert [x.score for x in s.submissions()] == [4, 3, 1]
    finally:
        s.close()
        admin.dispose()


def test_concurrent_writers_lose_nothing(url, store):
    code = f"""
        from journey_app.labs.store import SubmissionStore
        s = SubmissionStore({url!r})
        for i in range(15):
            s.record("student-%d" % i, "noirq-window", {{}}, {{"score": i % 5, "max_score": 4 + 1}})
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    rows = store.class_table()
    assert sum(r.attempts for r in rows) == 60
    assert len(rows) == 15


def test_concurrent_attempts_of_one_student_are_numbered_once_each(request, url, store):
    """Workers storing the same student's attempts at once: every attempt gets its own number, 1 to n, and
    the failed counts agree with them (all fail here, so failed == attempt). SQLite runs one write at a time.
    PostgreSQL (READ COMMITTED) does not: counting earlier rows, two statements that start together each
    counted without the other and shared a number; the counter row's lock (migration 0002) orders them."""
    code = f"""
        from journey_app.labs.store import SubmissionStore
        s = SubmissionStore({url!r})
        for i in range(12):
            stored, failed, attempt = s.record_attempt("ada", "noirq-window", {{}}, {{"score": 1, "max_score": 5}})
            print(attempt, failed)
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in outputs]
    pairs = [tuple(map(int, line.split())) for out, _ in outputs for line in out.splitlines()]
    assert sorted(attempt for attempt, _ in pairs) == list(range(1, 49))
    assert all(failed == attempt for attempt, failed in pairs)
