"""online interviews (在线访谈)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:30:36.272121
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import shared.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publishing_interview",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("guest", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("guest_title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("starts_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "publishing_interview_question",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("interview_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("asker_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("contact", sa.JSON(), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("group", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("publishing_interview_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publishing_interview_question_interview_id"), ["interview_id"], unique=False
        )

    op.create_table(
        "publishing_interview_transcript",
        sa.Column("interview_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("review_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("published_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("interview_id"),
    )


def downgrade() -> None:
    op.drop_table("publishing_interview_transcript")
    with op.batch_alter_table("publishing_interview_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publishing_interview_question_interview_id"))

    op.drop_table("publishing_interview_question")
    op.drop_table("publishing_interview")
