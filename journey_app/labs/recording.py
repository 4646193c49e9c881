"""The submissions store's one write, a graded submission, as one statement on the pooled DBAPI connection.

SQLAlchemy compiles the statement and converts the values (its JSON and DateTime bind processors, so rows
read back through the store as before); the statement itself runs on the driver's cursor. SQLAlchemy's
per-statement execution layer costs about 0.2 ms, five times SQLite's insert, on every stored grade.
One statement is its own transaction: the store's engine is in autocommit, so on PostgreSQL it is one round
trip instead of BEGIN, INSERT, SELECT and COMMIT. On PostgreSQL the same statement also counts the attempt
in attempt_counts (migration 0002), whose row lock numbers one student's concurrent attempts in order.
Knows nothing of grading or HTTP; store.py owns the values and their checks.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .tables import submissions

# The new row's id, the student's attempts at the lab (the new one included) and the failed ones. The counts
# skip the new row by id and add it back, so they are the same whether the backend's subquery sees the row
# being inserted (SQLite) or not (PostgreSQL's snapshot). They match on the bound student and lab: SQLite
# searches the (lab_id, student) index for a bound value, and scans it for a value correlated to the new row.
# Text, not Core: SQLAlchemy's SQLite compiler drops the table names RETURNING's subqueries need.
RECORD = sa.text("""
    INSERT INTO submissions (student, lab_id, digest, submission, score, max_score, results, created_at)
    VALUES (:student, :lab_id, :digest, :submission, :score, :max_score, :results, :created_at)
    RETURNING id,
        (SELECT count(*) FROM submissions AS earlier
         WHERE earlier.lab_id = :lab_id AND earlier.student = :student AND earlier.id <> submissions.id) + 1,
        (SELECT count(*) FROM submissions AS earlier
         WHERE earlier.lab_id = :lab_id AND earlier.student = :student AND earlier.id <> submissions.id
           AND earlier.score < earlier.max_score)
        + CASE WHEN submissions.score < submissions.max_score THEN 1 ELSE 0 END
""")
# PostgreSQL: the row and the student's counter row (migration 0002) in one statement. Counting earlier rows
# would let two attempts stored at the same moment take the same number (each statement's snapshot misses the
# other's uncommitted row, under READ COMMITTED); the counter's row lock numbers them one after the other, and
# the cost stays one index probe however many attempts the student has made.
RECORD_POSTGRESQL = sa.text("""
    WITH stored AS (
        INSERT INTO submissions (student, lab_id, digest, submission, score, max_score, results, created_at)
        VALUES (:student, :lab_id, :digest, :submission, :score, :max_score, :results, :created_at)
        RETURNING id, CASE WHEN score < max_score THEN 1 ELSE 0 END AS failing
    ), counted AS (
        INSERT INTO attempt_counts (lab_id, student, attempts, failed)
        SELECT :lab_id, :student, 1, failing FROM stored
        ON CONFLICT (lab_id, student) DO UPDATE
            SET attempts = attempt_counts.attempts + 1, failed = attempt_counts.failed + EXCLUDED.failed
        RETURNING attempts, failed
    )
    SELECT stored.id, counted.attempts, counted.failed FROM stored, counted
""")
_TYPED = ("submission", "results", "created_at")


class Recorder:
    """RECORD (RECORD_POSTGRESQL on PostgreSQL) compiled once for one engine's dialect; `insert(values)`
    stores a row and returns (id, attempt, failed). The engine must be in autocommit (the statement commits
    itself). DBAPI errors leave as SQLAlchemy's (IntegrityError, OperationalError ...)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        dialect = engine.dialect
        compiled = (RECORD_POSTGRESQL if dialect.name == "postgresql" else RECORD).compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self.processors = {name: processor for name in _TYPED if (processor := submissions.c[name].type
                           .dialect_impl(dialect).bind_processor(dialect)) is not None}

    def insert(self, values: dict[str, Any]) -> tuple[int, int, int]:
        params = dict(values)
        for name, processor in self.processors.items():
            params[name] = processor(params[name])
        bound: dict[str, Any] | tuple = params if self.order is None else tuple(params[n] for n in self.order)
        dialect = self.engine.dialect
        raw = self.engine.raw_connection()   # from the pool: its checkout events (the idle ping) apply
        dbapi = raw.dbapi_connection
        assert dbapi is not None             # a checked-out connection is connected
        cursor = None
        try:
            cursor = raw.cursor()
            cursor.execute(self.sql, bound)
            row = cursor.fetchone()
            assert row is not None           # INSERT ... RETURNING returns the row it inserted
            new_id, attempt, failed = row
            return int(new_id), int(attempt), int(failed)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi, cursor):
                raw.invalidate(exc)
                self.engine.dispose(close=False)   # the database went away: every pooled connection is stale
            raise sa.exc.DBAPIError.instance(self.sql, bound, exc, dialect.loaded_dbapi.Error,
                                             dialect=dialect) from exc
        finally:
            if cursor is not None:
                cursor.close()
            raw.close()   # back to the pool
