"""folders can be soft-deleted

Revision ID: 0006_soft_deleted_folders
Revises: 0005_folder_properties
Create Date: 2026-12-03

DeleteFolder with SoftDelete keeps the folder, hidden from every view but FindFolder's SoftDeleted traversal.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_soft_deleted_folders"
down_revision: Union[str, Sequence[str], None] = "0005_folder_properties"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("folders", sa.Column("soft_deleted", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.execute("ALTER TABLE folders DROP COLUMN soft_deleted")  # SQLite >= 3.35, as 0005
