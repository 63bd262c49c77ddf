"""reviewer ratings no longer pinned by CHECK constraints

Revision ID: 0008_rating_checks
Revises: 0007_ux_review
Create Date: 2026-12-05 03:40:00

The framework and practice ratings a reviewer gives are values of two bank scales
(`framework_rating`, `practice_rating` in `question_bank/scales.yaml`). A CHECK constraint
listing them pinned one edition of the bank in the schema: a new edition that adds, renames
or drops a rating would need a migration before it could be loaded, and rows rated under an
older edition would block the change. The application checks them instead, where a
change of edition is a code or bank change: the review service accepts only the ratings of
`FrameworkRating` and `PracticeRating`, and scoring refuses a rating the bank's scale lacks.

Kept, because only the database can guarantee them for every writer: primary, foreign and
unique keys, NOT NULL, and the CHECK constraints of the application's own states, which
code branches on and no bank edition changes: roles, workflow status, publication consent,
finding kind, follow-up status, job status.

Downgrading restores both constraints; it fails if a rating outside the 2021 scales has
been stored since, which is the constraint doing its job.
"""

from __future__ import annotations

from alembic import op

revision = "0008_rating_checks"
down_revision = "0007_ux_review"
branch_labels = None
depends_on = None

# The values of the 2021 edition, as migration 0002 wrote them.
_FRAMEWORK = ("fully", "largely", "partially", "not_implemented", "not_applicable")
_PRACTICE = ("high", "substantial", "moderate", "low", "insufficient_evidence")


def upgrade() -> None:
    with op.batch_alter_table("item_reviews", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_item_reviews_framework_rating"), type_="check")
        batch_op.drop_constraint(op.f("ck_item_reviews_practice_rating"), type_="check")


def downgrade() -> None:
    with op.batch_alter_table("item_reviews", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_item_reviews_framework_rating"), _values_check("framework", _FRAMEWORK)
        )
        batch_op.create_check_constraint(
            op.f("ck_item_reviews_practice_rating"), _values_check("practice", _PRACTICE)
        )


def _values_check(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"
