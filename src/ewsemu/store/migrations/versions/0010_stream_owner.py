"""the connection that streams a subscription

Revision ID: 0010_stream_owner
Revises: 0009_sync_indexes
Create Date: 2026-12-04

A streaming subscription is served by one connection at a time, and the newest wins (D41). Within one process
the stream hub sees the older connection itself; across the workers of ``--workers N`` the opening connection
writes a fresh token into ``subscriptions.stream_token`` and a stream whose token is no longer there ends with
ConnectionStatus Closed before it hands out another event (operations/get_streaming_events.py).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010_stream_owner"
down_revision: Union[str, Sequence[str], None] = "0009_sync_indexes"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("stream_token", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("stream_token")
