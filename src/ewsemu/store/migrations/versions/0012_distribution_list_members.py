"""a distribution list's members

Revision ID: 0012_distribution_list_members
Revises: 0011_attachments
Create Date: 2026-12-04

DistributionList items (IPM.DistList) keep their DisplayName and FileAs in the contacts' columns; their
members (``distributionlist:Members``, core.values.Member as JSON text, store.codec) get a column of their own.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012_distribution_list_members"
down_revision: Union[str, Sequence[str], None] = "0011_attachments"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("items", sa.Column("distributionlist_members", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("distributionlist_members")
