"""online interviews take questions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:31:10.388530
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import shared.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_interview",
        sa.Column("interview_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("guest", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("starts_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("interview_id"),
    )


def downgrade() -> None:
    op.drop_table("intake_interview")
