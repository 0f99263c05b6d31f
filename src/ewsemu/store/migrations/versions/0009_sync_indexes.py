"""indexes for SyncFolderItems' pages

Revision ID: 0009_sync_indexes
Revises: 0008_subscriptions
Create Date: 2026-12-03

A sync page must cost the same on the first and the last page of a large folder or journal window
(store/sync.py): the first sync lists a folder's items oldest first (``items (folder_id, date_time_created, id)``) and checks each one's
arrival in the journal (``change_journal (object_id, position)``); the journal phase reads the entries seen in
the folder after a position (``(folder_id, position)``, ``(old_folder_id, position)``) and the histories of a
few items, under their old ids too (``old_object_id``).
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0009_sync_indexes"
down_revision: Union[str, Sequence[str], None] = "0008_subscriptions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INDEXES = (
    ("ix_items_folder_created", "items", ["folder_id", "date_time_created", "id"]),
    ("ix_change_journal_object_position", "change_journal", ["object_id", "position"]),
    ("ix_change_journal_folder", "change_journal", ["folder_id", "position"]),
    ("ix_change_journal_old_folder", "change_journal", ["old_folder_id", "position"]),
    ("ix_change_journal_old_object", "change_journal", ["old_object_id"]),
)


#: made redundant by ``(object_id, position)``, which serves its lookups too: one index less on every journal write
_SUPERSEDED = ("ix_change_journal_object", "change_journal", ["object_id"])


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)
    op.drop_index(_SUPERSEDED[0], table_name=_SUPERSEDED[1])


def downgrade() -> None:
    op.create_index(*_SUPERSEDED)
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
