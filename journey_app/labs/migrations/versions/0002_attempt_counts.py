"""Each student's attempts and failed attempts per lab, kept as counters beside the submissions.

Revision 0002. PostgreSQL's stored grade updates its counter row in the same statement as the insert
(labs/recording.py): the row lock numbers one student's concurrent attempts 1, 2, 3 ... (counting earlier
rows under READ COMMITTED gave two concurrent attempts the same number), and the cost no longer grows with
the student's attempts. On SQLite, where writes run one at a time and the insert counts its own rows, a
trigger keeps the same counters. Existing submissions are counted into the table here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER tr_submissions_attempt_counts AFTER INSERT ON submissions
BEGIN
    INSERT INTO attempt_counts (lab_id, student, attempts, failed)
    VALUES (NEW.lab_id, NEW.student, 1, CASE WHEN NEW.score < NEW.max_score THEN 1 ELSE 0 END)
    ON CONFLICT (lab_id, student) DO UPDATE
        SET attempts = attempts + 1, failed = failed + excluded.failed;
END
"""


def upgrade() -> None:
    op.create_table(
        "attempt_counts",
        sa.Column("lab_id", sa.String(64), nullable=False),
        sa.Column("student", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("lab_id", "student", name="pk_attempt_counts"),
    )
    op.execute("""
        INSERT INTO attempt_counts (lab_id, student, attempts, failed)
        SELECT lab_id, student, count(*), sum(CASE WHEN score < max_score THEN 1 ELSE 0 END)
        FROM submissions GROUP BY lab_id, student
    """)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_submissions_attempt_counts")
    op.drop_table("attempt_counts")
