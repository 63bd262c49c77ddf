"""stored roll-up scores, and the revision an assessment's stored scores were computed at

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:00:00

Pages read stored scores instead of scoring every assessment on each request; a stored
score whose revision is behind the assessment's is not read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_scores",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "assessment_id",
            sa.Integer(),
            sa.ForeignKey("assessments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("dimension", sa.String(10), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("assessment_id", "dimension", "key"),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scored_revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("scored_revision")
    op.drop_table("rollup_scores")
