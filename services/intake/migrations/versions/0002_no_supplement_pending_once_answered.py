"""A case that is replied to or closed waits for no supplement (release 0.1 left the flag set).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE intake_case_view SET supplement_pending = :no "
            "WHERE supplement_pending = :yes AND status IN ('replied', 'closed')"
        ).bindparams(no=False, yes=True)
    )


def downgrade() -> None:
    pass  # the flag it cleared was wrong: nothing to restore
