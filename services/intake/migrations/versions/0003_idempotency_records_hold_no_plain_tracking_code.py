"""Idempotency records hold no tracking code in the clear

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 17:04:42.539039
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Release 0.1 kept each receipt, tracking code included, in the clear. The records live a day for
    # retries only: they are dropped, not converted (their keys were never kept to seal them with).
    op.execute("DELETE FROM intake_idempotency")
    with op.batch_alter_table("intake_idempotency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=False))
        batch_op.drop_column("response")


def downgrade() -> None:
    op.execute("DELETE FROM intake_idempotency")
    with op.batch_alter_table("intake_idempotency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response", sa.JSON(), nullable=False))
        batch_op.drop_column("sealed")
