"""The submissions store's one write, a graded submission, as one statement on the pooled DBAPI connection.

SQLAlchemy compiles the statement and converts the values (its JSON and DateTime bind processors, so rows
read back through the store as before); the statement itself runs on the driver's cursor. SQLAlchemy's
per-statement execution layer costs about 0.2 ms, five times SQLite's insert, on every stored grade.
One statement is its own transaction: the store's engine is in autocommit, so on PostgreSQL it is one round
trip instead of BEGIN, INSERT, SELECT and COMMIT. Knows nothing of grading or HTTP; store.py owns the values
and their checks.
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
_TYPED = ("submission", "results", "created_at")


class Recorder:
    """RECORD compiled once for one engine's dialect; `insert(values)` stores a row and returns
    (id, attempt, failed). The engine must be in autocommit (the statement commits itself). DBAPI errors
    leave as SQLAlchemy's (IntegrityError, OperationalError ...)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        dialect = engine.dialect
        compiled = RECORD.compile(dialect=dialect)
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
