"""a reviewer's reason for leaving a commitment unrated

Revision ID: 0007_ux_review
Revises: 0006
Create Date: 2026-12-04 23:50:00

A review is completed only when every commitment in scope is rated or carries the reason it
is not; the reason is kept with the commitment's review, for the secretariat to read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_ux_review"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item_reviews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unrated_reason", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("item_reviews", schema=None) as batch_op:
        batch_op.drop_column("unrated_reason")
