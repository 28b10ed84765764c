"""the supplement deadline and each third party on the task

The applicant's supplement deadline as tracking counts it and whether it passed unused (the reply
``other.no_supplement`` waits for that), and each third party consulted with its state. A task from
before has neither: a replay of routing, after one of tracking, brings them from the log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:31:04.889920
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routing_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplement_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("supplement_lapsed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("third_parties", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("routing_task", schema=None) as batch_op:
        batch_op.drop_column("third_parties")
        batch_op.drop_column("supplement_lapsed")
        batch_op.drop_column("supplement_due")
