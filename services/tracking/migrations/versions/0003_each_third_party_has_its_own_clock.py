"""each third party consulted has its own clock

Several third parties may be consulted on one request at once (OGI Art. 32), each with its own 15
working days: a clock is now one per case, kind and party ("" for every clock but a third party's,
and for the single party consulted before parties were told apart).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:28:07.758530
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with _ledger_set_aside(), op.batch_alter_table("tracking_clock", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False)
        )
        batch_op.drop_constraint("uq_tracking_clock_case_kind", type_="unique")
        batch_op.create_unique_constraint(
            "uq_tracking_clock_case_kind_party", ["case_id", "kind", "party_id"]
        )


def downgrade() -> None:
    with _ledger_set_aside(), op.batch_alter_table("tracking_clock", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tracking_clock_case_kind_party", type_="unique")
        batch_op.create_unique_constraint("uq_tracking_clock_case_kind", ["case_id", "kind"])
        batch_op.drop_column("party_id")


@contextmanager
def _ledger_set_aside() -> Iterator[None]:
    """SQLite changes a constraint by copying the table and dropping the old one, which its ledger
    refers to — refused while foreign keys are enforced (they cannot be switched off inside the
    migration's transaction). So the ledger's rows wait in a plain copy meanwhile, and come back
    with their ids to the same clock ids. Elsewhere the constraint is altered in place."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("CREATE TABLE _tracking_clock_ledger_kept AS SELECT * FROM tracking_clock_ledger")
    op.execute("DELETE FROM tracking_clock_ledger")
    yield
    op.execute("INSERT INTO tracking_clock_ledger SELECT * FROM _tracking_clock_ledger_kept")
    op.execute("DROP TABLE _tracking_clock_ledger_kept")
