"""review levels (三审), proofreading findings (三校) and withdrawals (撤回)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import shared.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publishing_review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("levels", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("findings", sa.JSON(), nullable=True))
    with op.batch_alter_table("publishing_review_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        "publishing_withdrawal",
        sa.Column("review_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("by_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["publishing_review.id"]),
        sa.PrimaryKeyConstraint("review_id"),
    )
    with op.batch_alter_table("publishing_withdrawal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publishing_withdrawal_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("publishing_withdrawal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publishing_withdrawal_subject_id"))
    op.drop_table("publishing_withdrawal")
    with op.batch_alter_table("publishing_review_decision", schema=None) as batch_op:
        batch_op.drop_column("level")
    with op.batch_alter_table("publishing_review", schema=None) as batch_op:
        batch_op.drop_column("findings")
        batch_op.drop_column("levels")
