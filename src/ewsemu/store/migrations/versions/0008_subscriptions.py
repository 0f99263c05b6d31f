"""event-notification subscriptions

Revision ID: 0008_subscriptions
Revises: 0007_store_secrets
Create Date: 2026-12-03

Pull, push and streaming subscriptions (Subscribe) live in the database, so that with ``--workers N`` a
subscription made through one worker is served by every other, and exactly one worker delivers each push
subscription (a lease). A reset of the mailboxes deletes them with the mailboxes (store/subscriptions.py).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_subscriptions"
down_revision: Union[str, Sequence[str], None] = "0007_store_secrets"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("principal", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("folder_ids", sa.Text(), nullable=True),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("last_activity", sa.DateTime(), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=True),
        sa.Column("status_frequency", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("caller_data", sa.Text(), nullable=True),
        sa.Column("next_attempt", sa.DateTime(), nullable=True),
        sa.Column("failing_since", sa.DateTime(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["mailbox"], ["mailboxes.smtp"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscriptions_mailbox", "subscriptions", ["mailbox"])
    op.create_index("ix_subscriptions_principal", "subscriptions", ["principal"])
    op.create_index("ix_subscriptions_next_attempt", "subscriptions", ["next_attempt"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_next_attempt", table_name="subscriptions")
    op.drop_index("ix_subscriptions_principal", table_name="subscriptions")
    op.drop_index("ix_subscriptions_mailbox", table_name="subscriptions")
    op.drop_table("subscriptions")
