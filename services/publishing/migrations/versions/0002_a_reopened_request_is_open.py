"""A disclosure request reopened for re-handling is open again: release 0.1 kept its first outcome
without a conclusion date, which the annual report could not count.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE publishing_case SET outcome = NULL WHERE replied_on IS NULL AND outcome IS NOT NULL")


def downgrade() -> None:
    pass  # the outcome it cleared was superseded by the re-handling: nothing to restore
