"""notifications: the citizen's choice and the notification outbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:28:45.767672
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
        "intake_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("notify_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failure", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "case_id", "notify_by", name="uq_intake_notification_event"),
    )
    with op.batch_alter_table("intake_notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_notification_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_intake_notification_due", ["state", "due_at"], unique=False)

    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notify_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_submission", schema=None) as batch_op:
        batch_op.drop_column("notify_by")

    with op.batch_alter_table("intake_notification", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_notification_due")
        batch_op.drop_index(batch_op.f("ix_intake_notification_case_id"))

    op.drop_table("intake_notification")
