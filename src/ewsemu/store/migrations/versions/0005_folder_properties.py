"""folders keep their PermissionSet, SearchParameters and extended properties

Revision ID: 0005_folder_properties
Revises: 0004_shared_state
Create Date: 2026-12-03

CreateFolder and UpdateFolder store what the field registry's folder properties say (core/fields.py): the ACL
and a search folder's parameters as JSON, the extended (MAPI) properties as items keep them. Existing folders
get none, which reads as a new folder's ACL.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_folder_properties"
down_revision: Union[str, Sequence[str], None] = "0004_shared_state"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS = ("permission_set", "search_parameters", "extended")


def upgrade() -> None:
    # plain ADD COLUMN (SQLite has it): a batch copy of the table would trip the items' foreign key
    for name in _COLUMNS:
        op.add_column("folders", sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, which SQLite has since 3.35 (Python's is newer): a batch copy of the table
    # would trip the items' foreign key
    for name in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE folders DROP COLUMN {name}")
