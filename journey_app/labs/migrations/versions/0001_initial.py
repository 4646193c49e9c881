"""The submissions table: who submitted what for which lab, its score and per-check results.

Revision 0001 (initial). Later changes get their own file; never edit a released revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("student", sa.String(64), nullable=False),
        sa.Column("lab_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("submission", sa.JSON, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Integer, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("score >= 0 AND score <= max_score", name="ck_submissions_score"),
    )
    op.create_index("ix_submissions_lab_student", "submissions", ["lab_id", "student"])
    op.create_index("ix_submissions_student", "submissions", ["student"])


def downgrade() -> None:
    op.drop_index("ix_submissions_student", table_name="submissions")
    op.drop_index("ix_submissions_lab_student", table_name="submissions")
    op.drop_table("submissions")
