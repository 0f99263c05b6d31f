"""the change journal (change_journal, journal_head) replaces item_versions

Revision ID: 0003_change_journal
Revises: 0002
Create Date: 2026-01-14

store/journal.py explains the table. The ChangeKey history moves in: each item_versions row of a stored
item becomes an item entry ("created" for its first version, "modified" after), positioned in the order the
versions were written (time, then item, then version), and item_versions is dropped, so the history has one
home. Versions of items already gone (HardDelete erased them before this revision) have nothing to move.
Folders and items that existed before the journal have no other entries: sync starts from the current state.
The downgrade rebuilds item_versions from the entries that made a version.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003_change_journal"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "change_journal",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("folder_id", sa.String(length=128), nullable=True),
        sa.Column("object_id", sa.String(length=128), nullable=False),
        sa.Column("object_kind", sa.String(length=8), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("old_folder_id", sa.String(length=128), nullable=True),
        sa.Column("old_object_id", sa.String(length=128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("change_key", sa.String(length=512), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    op.create_index("ix_change_journal_object", "change_journal", ["object_id"], unique=False)
    op.create_index("ix_change_journal_mailbox", "change_journal", ["mailbox", "position"], unique=False)
    op.create_table(
        "journal_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO change_journal (position, at, mailbox, folder_id, object_id, object_kind, event, version,"
        " change_key, changes)"
        " SELECT ROW_NUMBER() OVER (ORDER BY v.at, v.item_id, v.version), v.at, i.mailbox, i.folder_id, v.item_id,"
        " 'item', CASE WHEN v.version = (SELECT MIN(f.version) FROM item_versions f WHERE f.item_id = v.item_id)"
        " THEN 'created' ELSE 'modified' END, v.version, v.change_key, v.changes"
        " FROM item_versions v JOIN items i ON i.id = v.item_id")
    op.execute("INSERT INTO journal_head (id, position) SELECT 1, COALESCE(MAX(position), 0) FROM change_journal")
    op.drop_index("ix_item_versions_ck", table_name="item_versions")
    op.drop_table("item_versions")


def downgrade() -> None:
    op.create_table(
        "item_versions",
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_key", sa.String(length=512), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "version"),
    )
    op.create_index("ix_item_versions_ck", "item_versions", ["item_id", "change_key"], unique=False)
    # the last incarnation's versions of each stored item (an id used again keeps only its newest history)
    op.execute(
        "INSERT INTO item_versions (item_id, version, change_key, at, changes)"
        " SELECT j.object_id, j.version, MAX(j.change_key), MAX(j.at), MAX(j.changes) FROM change_journal j"
        " JOIN items i ON i.id = j.object_id"
        " WHERE j.object_kind = 'item' AND j.event IN ('created', 'modified', 'copied') AND j.position >="
        " (SELECT MAX(c.position) FROM change_journal c WHERE c.object_id = j.object_id"
        " AND c.event IN ('created', 'copied'))"
        " GROUP BY j.object_id, j.version")
    op.drop_table("journal_head")
    op.drop_index("ix_change_journal_mailbox", table_name="change_journal")
    op.drop_index("ix_change_journal_object", table_name="change_journal")
    op.drop_table("change_journal")
