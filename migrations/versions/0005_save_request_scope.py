"""save request ids scoped to their assessment and person

Revision ID: 0005
Revises: 0004b
Create Date: 2026-12-04 21:00:00

A client's request id used to be unique across the whole database: a save reusing an id
that another country had used was answered "saved" while nothing was stored. The table is
rebuilt with its own key and a unique (assessment, person, request id); rows are kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004b"
branch_labels = None
depends_on = None

KEPT = "save_requests_kept"  # the rows, while the table is rebuilt


def _keep_rows(columns: str) -> None:
    op.create_table(
        KEPT,
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.execute(f"INSERT INTO {KEPT} ({columns}) SELECT {columns} FROM save_requests")
    op.drop_table("save_requests")


def upgrade() -> None:
    _keep_rows("request_id, item_id, user_id, created_at")
    op.create_table(
        "save_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_save_requests_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_items.id"],
            name=op.f("fk_save_requests_item_id_assessment_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_save_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_save_requests")),
        sa.UniqueConstraint(
            "assessment_id",
            "user_id",
            "request_id",
            name=op.f("uq_save_requests_assessment_id_user_id_request_id"),
        ),
    )
    # A request without a person could never be matched again; it is not carried over.
    op.execute(
        "INSERT INTO save_requests (request_id, assessment_id, item_id, user_id, created_at) "
        f"SELECT kept.request_id, items.assessment_id, kept.item_id, kept.user_id, "
        f"kept.created_at FROM {KEPT} kept "
        "JOIN assessment_items items ON items.id = kept.item_id "
        "WHERE kept.user_id IS NOT NULL"
    )
    op.drop_table(KEPT)


def downgrade() -> None:
    _keep_rows("request_id, assessment_id, item_id, user_id, created_at")
    op.create_table(
        "save_requests",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_items.id"],
            name=op.f("fk_save_requests_item_id_assessment_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_save_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_save_requests")),
    )
    # The old table holds each id once: the earliest use of an id is the one kept.
    op.execute(
        "INSERT INTO save_requests (request_id, item_id, user_id, created_at) "
        "SELECT kept.request_id, kept.item_id, kept.user_id, kept.created_at "
        f"FROM {KEPT} kept WHERE NOT EXISTS (SELECT 1 FROM {KEPT} earlier "
        "WHERE earlier.request_id = kept.request_id AND (earlier.created_at < kept.created_at "
        "OR (earlier.created_at = kept.created_at AND earlier.item_id < kept.item_id)))"
    )
    op.drop_table(KEPT)
