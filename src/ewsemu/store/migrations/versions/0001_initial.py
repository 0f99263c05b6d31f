"""initial schema: mailboxes, folders, items (one column per stored registry field), versions, values

Revision ID: 0001
Revises:
Create Date: 2026-01-13

A frozen rendering of ``store/schema.py`` as it stood: later registry additions are new revisions, never
edits here (``tests/store/test_migrations.py`` fails when the two disagree).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("smtp", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("smtp"),
    )
    op.create_table(
        "folders",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("parent_id", sa.String(length=128), nullable=True),
        sa.Column("distinguished", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("folder_class", sa.String(length=128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox"], ["mailboxes.smtp"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_folders_mailbox", "folders", ["mailbox"], unique=False)
    op.create_index("ix_folders_mailbox_distinguished", "folders", ["mailbox", "distinguished"], unique=True)
    op.create_table(
        "items",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("folder_id", sa.String(length=128), nullable=False),
        sa.Column("item_type", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_key", sa.String(length=512), nullable=False),
        sa.Column("task_request_sent", sa.Boolean(), nullable=False),
        sa.Column("extended", sa.Text(), nullable=True),
        sa.Column("item_class", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("sensitivity", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("body_type", sa.String(length=8), nullable=True),
        sa.Column("date_time_received", sa.DateTime(), nullable=True),
        sa.Column("categories", sa.Text(), nullable=True),
        sa.Column("importance", sa.String(length=64), nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("date_time_created", sa.DateTime(), nullable=True),
        sa.Column("reminder_due_by", sa.DateTime(), nullable=True),
        sa.Column("reminder_is_set", sa.Boolean(), nullable=True),
        sa.Column("reminder_minutes_before_start", sa.Integer(), nullable=True),
        sa.Column("culture", sa.Text(), nullable=True),
        sa.Column("last_modified_time", sa.DateTime(), nullable=True),
        sa.Column("is_associated", sa.Boolean(), nullable=True),
        sa.Column("task_actual_work", sa.Integer(), nullable=True),
        sa.Column("task_billing_information", sa.Text(), nullable=True),
        sa.Column("task_change_count", sa.Integer(), nullable=True),
        sa.Column("task_companies", sa.Text(), nullable=True),
        sa.Column("task_complete_date", sa.Date(), nullable=True),
        sa.Column("task_contacts", sa.Text(), nullable=True),
        sa.Column("task_due_date", sa.Date(), nullable=True),
        sa.Column("task_mileage", sa.Text(), nullable=True),
        sa.Column("task_owner", sa.Text(), nullable=True),
        sa.Column("task_percent_complete", sa.Float(), nullable=True),
        sa.Column("task_recurrence", sa.Text(), nullable=True),
        sa.Column("task_start_date", sa.Date(), nullable=True),
        sa.Column("task_status", sa.String(length=64), nullable=True),
        sa.Column("task_total_work", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["folder_id"], ["folders.id"]),
        sa.ForeignKeyConstraint(["mailbox"], ["mailboxes.smtp"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_items_folder", "items", ["folder_id"], unique=False)
    op.create_index("ix_items_mailbox", "items", ["mailbox"], unique=False)
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
    op.create_table(
        "item_values",
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("field", sa.String(length=256), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
    )
    op.create_index("ix_item_values_item_field", "item_values", ["item_id", "field"], unique=False)
    op.create_index("ix_item_values_field_value", "item_values", ["field", "value"], unique=False)


def downgrade() -> None:
    op.drop_table("item_values")
    op.drop_table("item_versions")
    op.drop_table("items")
    op.drop_table("folders")
    op.drop_table("mailboxes")
