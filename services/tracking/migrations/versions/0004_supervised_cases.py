"""supervised cases (督办事项): a case's latest supervision and whether its department's head read it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:30:04.424094
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracking_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supervised", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("supervised_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("supervision_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("supervision_read_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_tracking_case_supervised_on"), ["supervised_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tracking_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_case_supervised_on"))
        batch_op.drop_column("supervision_read_by")
        batch_op.drop_column("supervision_reason")
        batch_op.drop_column("supervised_on")
        batch_op.drop_column("supervised")
