"""a reopened case counts its unsatisfied ratings and its supervision (督办)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:29:12.109374
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A task from before counts no reopening: its history (and a replay) says how often it was.
    with op.batch_alter_table("routing_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("supervised", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("supervised_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("supervision_read_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_task", schema=None) as batch_op:
        batch_op.drop_column("supervision_read_by")
        batch_op.drop_column("supervised_on")
        batch_op.drop_column("supervised")
        batch_op.drop_column("reopened")
