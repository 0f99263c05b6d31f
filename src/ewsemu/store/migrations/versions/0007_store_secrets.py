"""the store's secrets: keys the server signs its opaque tokens with

Revision ID: 0007_store_secrets
Revises: 0006_soft_deleted_folders
Create Date: 2026-12-03

Sync states and notification watermarks are opaque, signed tokens (D38). Every worker process must sign and
check them with the same key, and a reset of the mailboxes must invalidate every token handed out before it,
so the keys live in the database, with the mailbox data (store/secrets.py).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_store_secrets"
down_revision: Union[str, Sequence[str], None] = "0006_soft_deleted_folders"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "store_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("store_secrets")
