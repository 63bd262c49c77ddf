"""login attempts that do not count towards a lock-out

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:40:00

Attempts made while an account is locked, and failures whose lock-out the secretariat
lifted, are kept for the log but no longer count.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_column("counted")
