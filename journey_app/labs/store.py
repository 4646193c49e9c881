"""The submissions store: SQLAlchemy 2 over SQLite (default file) or PostgreSQL (DATABASE_URL), Alembic-migrated.

Every write is one committed transaction; reads return frozen values. Knows nothing of grading or HTTP.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ..errors import BadInput, NotFound, StorageUnavailable
from .recording import Recorder
from .tables import submissions

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
STUDENT_MAX = 64
# A pooled PostgreSQL connection idle longer than this is pinged before use (one round trip), so a database
# restarted while the app was quiet costs no request; busy connections skip the ping (see _ping_after_idle).
PING_AFTER_IDLE_S = 1.0
LAB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_STUDENT_PUNCT = set(" ._-@'")
_migrated: set[str] = set()
_migrated_lock = threading.Lock()
_stores: dict[str, SubmissionStore] = {}


# --- engine and migrations ------------------------------------------------------------------------

def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str, **kwargs) -> sa.Engine:
    """An engine with the settings the store relies on (SQLite: WAL, full sync, a busy timeout)."""
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")    # readers never block the writer
            # WAL + NORMAL: a commit is an append to the WAL without an fsync (~0.2 ms instead of 1-10 ms);
            # a committed submission survives a killed worker or server process, and the database stays
            # consistent through a power loss, which may lose the last commits before the WAL checkpoint.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = sa.create_engine(url, **kwargs)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: sa.Engine) -> None:
    """SQLAlchemy's pool_pre_ping, only for connections idle over PING_AFTER_IDLE_S: a ping is a round trip,
    a fifth of a stored submission's, and a connection handed back milliseconds ago is alive. A connection
    that dies while busy fails its statement (StorageUnavailable, nothing saved) and SQLAlchemy invalidates
    the pool, so the next request connects afresh."""

    @sa.event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")   # None: connected just now
        if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # the pool drops this connection and checks out a fresh one
            raise sa.exc.DisconnectionError(f"stale pooled connection: {exc}") from exc


@contextlib.contextmanager
def sqlite_file_lock(url: str):
    """Serialise migrations of one SQLite file across processes (PostgreSQL uses an advisory lock)."""
    path = _sqlite_path(url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.migrate.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url          # not through the ini: '%' in passwords would be interpolated
    config.attributes["programmatic"] = True
    return config


def upgrade_to_head(url: str) -> None:
    """Apply every migration not yet applied (idempotent; once per process per URL)."""
    from alembic import command

    with _migrated_lock:
        if url in _migrated:
            return
        command.upgrade(alembic_config(url), "head")
        _migrated.add(url)


# --- values ---------------------------------------------------------------------------------------

def validate_student(name: object) -> str:
    """A student's name or id: 1..64 letters, digits, spaces and . _ - @ ' ; starting with a letter or digit."""
    if not isinstance(name, str):
        raise BadInput("student must be a name or id", {"field": "student"})
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if not 1 <= len(name) <= STUDENT_MAX:
        raise BadInput(f"student must be 1 to {STUDENT_MAX} characters", {"field": "student"})
    if not name[0].isalnum() or any(not (ch.isalnum() or ch in _STUDENT_PUNCT) for ch in name):
        raise BadInput("student may hold letters, digits, spaces and . _ - @ ' and must start with a letter "
                       "or digit", {"field": "student"})
    return name


def _lab_id(lab_id: object) -> str:
    if not isinstance(lab_id, str) or not LAB_ID.match(lab_id):
        raise BadInput("lab id must be lower-case letters, digits and '-'", {"field": "lab_id"})
    return lab_id


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the store writes is UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class StoredSubmission:
    id: int
    student: str
    lab_id: str
    digest: str
    submission: dict
    score: int
    max_score: int
    results: dict
    created_at: datetime

    @classmethod
    def from_row(cls, row) -> StoredSubmission:
        m = row._mapping
        return cls(id=m["id"], student=m["student"], lab_id=m["lab_id"], digest=m["digest"],
                   submission=m["submission"], score=m["score"], max_score=m["max_score"], results=m["results"],
                   created_at=_utc(m["created_at"]))

    def to_json(self) -> dict:
        return {"id": self.id, "student": self.student, "lab": self.lab_id, "digest": self.digest,
                "submission": self.submission, "score": self.score, "max_score": self.max_score,
                "results": self.results, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class ClassRow:
    """One student's standing in one lab."""

    student: str
    lab_id: str
    best_score: int
    max_score: int
    attempts: int
    last_at: datetime

    def to_json(self) -> dict:
        return {"student": self.student, "lab": self.lab_id, "best_score": self.best_score,
                "max_score": self.max_score, "attempts": self.attempts, "last_at": self.last_at.isoformat()}


# --- the store ------------------------------------------------------------------------------------

# Built once: SQLAlchemy's per-call statement building costs more than SQLite's insert itself.
_FAILED = sa.select(sa.func.count()).select_from(submissions).where(
    submissions.c.student == sa.bindparam("student"), submissions.c.lab_id == sa.bindparam("lab_id"),
    submissions.c.score < submissions.c.max_score)


class SubmissionStore:
    """Submissions and grades in one database; safe to share between threads and processes."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        if migrate:
            upgrade_to_head(url)
        # Every statement of the store is its own transaction (one write statement, single-statement reads),
        # so its connections stay in autocommit: no BEGIN or COMMIT round trips to PostgreSQL.
        self.engine = make_engine(url, isolation_level="AUTOCOMMIT")
        self._recorder = Recorder(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def record(self, student: str, lab_id: str, submission: dict, results: dict) -> StoredSubmission:
        """Store one graded submission in its own transaction; returns it as stored."""
        return self.record_attempt(student, lab_id, submission, results)[0]

    def record_attempt(self, student: str, lab_id: str, submission: dict,
                       results: dict) -> tuple[StoredSubmission, int, int]:
        """Store one graded submission and count the student's attempts at the lab (their own attempt number)
        and the failed ones (for hints), in one statement that is its own transaction (labs/recording.py: INSERT
        ... RETURNING the id and the counts; on PostgreSQL with the student's attempt_counts row). Returns
        (stored, failed, attempt)."""
        values: dict[str, Any] = {
            "student": validate_student(student), "lab_id": _lab_id(lab_id),
            "digest": str(results.get("submission_digest") or ""), "submission": submission,
            "score": int(results["score"]), "max_score": int(results["max_score"]), "results": results,
            "created_at": datetime.now(UTC),
        }
        try:
            new_id, attempt, failed = self._recorder.insert(values)   # one statement: a failure stores nothing
        except sa.exc.OperationalError as exc:          # disk full, database locked or gone
            raise StorageUnavailable("could not save the submission: the database refused the write "
                                     "(disk full or unavailable); nothing was saved, try again later",
                                     {"reason": type(getattr(exc, "orig", exc)).__name__}) from None
        return StoredSubmission(id=new_id, **values), failed, attempt

    def get(self, submission_id: int) -> StoredSubmission:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(submissions).where(submissions.c.id == submission_id)).first()
        if row is None:
            raise NotFound(f"no submission {submission_id}", {"id": submission_id})
        return StoredSubmission.from_row(row)

    def submissions(self, *, lab_id: str | None = None, student: str | None = None,
                    limit: int = 100, offset: int = 0) -> list[StoredSubmission]:
        """Newest first."""
        query = sa.select(submissions).order_by(submissions.c.id.desc()).limit(min(limit, 1000)).offset(offset)
        if lab_id is not None:
            query = query.where(submissions.c.lab_id == lab_id)
        if student is not None:
            query = query.where(submissions.c.student == validate_student(student))
        with self.engine.connect() as connection:
            return [StoredSubmission.from_row(row) for row in connection.execute(query)]

    def attempts(self, student: str, lab_id: str) -> int:
        """How many submissions this student has stored for this lab: their own attempt count."""
        query = sa.select(sa.func.count()).select_from(submissions).where(
            submissions.c.student == validate_student(student), submissions.c.lab_id == lab_id)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def failed_attempts(self, student: str, lab_id: str) -> int:
        """Attempts below full marks: what progressive hints count."""
        params = {"student": validate_student(student), "lab_id": lab_id}
        with self.engine.connect() as connection:
            return int(connection.execute(_FAILED, params).scalar_one())

    def class_table(self, lab_ids: list[str] | None = None) -> list[ClassRow]:
        """Best score per student per lab, with attempt counts; ordered by student then lab."""
        c = submissions.c
        query = (sa.select(c.student, c.lab_id, sa.func.max(c.score), sa.func.max(c.max_score),
                           sa.func.count(), sa.func.max(c.created_at))
                 .group_by(c.student, c.lab_id).order_by(c.student, c.lab_id))
        if lab_ids:
            query = query.where(c.lab_id.in_(lab_ids))
        with self.engine.connect() as connection:
            return [ClassRow(s, lab, int(best), int(top), int(n), _utc(last))
                    for s, lab, best, top, n, last in connection.execute(query)]

    def export_csv(self, lab_ids: list[str] | None = None, *, wide: bool = False) -> str:
        from .roster import class_csv

        return class_csv(self.class_table(lab_ids), wide=wide)


def open_store(url: str) -> SubmissionStore:
    """The process's one store for `url` (migrated on first use): what the web layer calls per request."""
    with _migrated_lock:
        found = _stores.get(url)
    if found is None:
        found = SubmissionStore(url)
        with _migrated_lock:
            found = _stores.setdefault(url, found)
    return found
