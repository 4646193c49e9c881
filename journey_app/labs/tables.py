"""The submissions store's schema as SQLAlchemy Core tables; Alembic migrations create it, this describes it.

Must match migrations/versions/ (a test compares them); holds no queries.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("student", sa.String(64), nullable=False),
    sa.Column("lab_id", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),       # sha256 of the canonical submission
    sa.Column("submission", sa.JSON, nullable=False),         # {"actions", "edits", "answers"}
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("max_score", sa.Integer, nullable=False),
    sa.Column("results", sa.JSON, nullable=False),            # Grade.to_json()
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("score >= 0 AND score <= max_score", name="ck_submissions_score"),
    sa.Index("ix_submissions_lab_student", "lab_id", "student"),
    sa.Index("ix_submissions_student", "student"),
)

# A student's attempts and failed attempts at a lab (migration 0002): counted as each submission is stored.
attempt_counts = sa.Table(
    "attempt_counts",
    metadata,
    sa.Column("lab_id", sa.String(64), nullable=False),
    sa.Column("student", sa.String(64), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("lab_id", "student", name="pk_attempt_counts"),
)
