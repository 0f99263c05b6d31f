"""the test double's shared state: the clock, fault rules and the request ledger in the database

Revision ID: 0003_shared_state
Revises: 0002
Create Date: 2026-01-14

With several worker processes (``ewsemu serve --workers N``) on one database, the fault rules (their counts
spent atomically), the clock and the ledger must be the same for every worker, and a reset must reach all of
them: they move from process memory into these tables (store/shared_state.py). ``shared_state`` holds one row.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_shared_state"
down_revision: Union[str, Sequence[str], None] = "0003_change_journal"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    state = op.create_table(
        "shared_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("faults_version", sa.Integer(), nullable=False),
        sa.Column("fault_serial", sa.Integer(), nullable=False),
        sa.Column("clock_frozen_us", sa.BigInteger(), nullable=True),
        sa.Column("clock_offset_us", sa.BigInteger(), nullable=False),
        sa.Column("ledger_base", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(state, [{"id": 1, "generation": 0, "faults_version": 0, "fault_serial": 0,
                            "clock_frozen_us": None, "clock_offset_us": 0, "ledger_base": 0}])
    op.create_table(
        "fault_rules",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("ledger_entries")
    op.drop_table("fault_rules")
    op.drop_table("shared_state")
