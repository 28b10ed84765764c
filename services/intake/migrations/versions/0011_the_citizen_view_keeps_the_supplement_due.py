"""the citizen view keeps the supplement deadline

The last day the applicant may supplement (补正期限), from the notice and tracking's clock of it: a
supplement after it is refused, and the tracking page shows it. A view from before has none (its
supplement, if one is still pending, is accepted as before) until a replay of intake brings it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intake_case_view", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplement_due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_case_view", schema=None) as batch_op:
        batch_op.drop_column("supplement_due")
