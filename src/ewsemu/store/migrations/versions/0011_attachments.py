"""attachments: the attachments table, and items.has_attachments

Revision ID: 0011_attachments
Revises: 0010_stream_owner
Create Date: 2026-12-04

An item's file and item attachments (store/attachments.py), keyed by (root item, key); an item attachment's own
attachments are rows of the same root item under its key. ``items.has_attachments`` stores HasAttachments so
restrictions run in SQL (it is kept by every attachment write).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011_attachments"
down_revision: Union[str, Sequence[str], None] = "0010_stream_owner"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("parent_key", sa.String(length=32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("content_id", sa.Text(), nullable=True),
        sa.Column("content_location", sa.Text(), nullable=True),
        sa.Column("last_modified_time", sa.DateTime(), nullable=True),
        sa.Column("is_inline", sa.Boolean(), nullable=False),
        sa.Column("is_contact_photo", sa.Boolean(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("item", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("item_id", "key", name="pk_attachments"),
    )
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("has_attachments", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("has_attachments")
    op.drop_table("attachments")
