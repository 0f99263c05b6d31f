"""Tables. The items table has one column per stored registry field, so restrictions run in SQL."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
    PrimaryKeyConstraint, String, Table, Text,
)

from ..core import fields as F

metadata = MetaData()

mailboxes = Table(
    "mailboxes", metadata,
    Column("smtp", String(320), primary_key=True),
    Column("display_name", String(256), nullable=False),
    Column("created", DateTime, nullable=False),
)

folders = Table(
    "folders", metadata,
    Column("id", String(128), primary_key=True),
    Column("mailbox", String(320), ForeignKey("mailboxes.smtp"), nullable=False, index=True),
    Column("parent_id", String(128), nullable=True),
    Column("distinguished", String(64), nullable=True),
    Column("display_name", String(256), nullable=False),
    Column("folder_class", String(128), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    # the registry's structured folder properties (PermissionSet, SearchParameters), JSON (store/codec.py)
    *(Column(f.column, Text, nullable=True) for f in F.FOLDER_FIELDS.values()
      if f.column is not None and f.kind != F.STRING),
    Column("extended", Text, nullable=True),
    #: DeleteFolder SoftDelete: hidden from every view but FindFolder's SoftDeleted traversal
    Column("soft_deleted", Boolean, nullable=False, default=False, server_default="0"),
    Index("ix_folders_mailbox_distinguished", "mailbox", "distinguished", unique=True),
)

_KIND_TYPES = {
    F.STRING: lambda: Text(), F.INT: lambda: Integer(), F.DOUBLE: lambda: Float(), F.BOOL: lambda: Boolean(),
    F.DATETIME: lambda: DateTime(), F.TASKDATE: lambda: Date(), F.ENUM: lambda: String(64),
    F.STRINGS: lambda: Text(), F.BODY: lambda: Text(), F.RECURRENCE: lambda: Text(),
    # structured values of messages, calendar items and contacts: JSON text (store.codec)
    **{kind: (lambda: Text()) for kind in (F.RECIPIENT, F.RECIPIENTS, F.ATTENDEES, F.MEMBERS, F.TIMEZONE, F.FLAG,
                                           F.OCCURRENCES, F.DELETED_OCCURRENCES, *F.DICTIONARY_KINDS)},
}


def _field_columns() -> list[Column]:
    cols: list[Column] = []
    for f in F.stored_fields():
        cols.append(Column(f.column, _KIND_TYPES[f.kind](), nullable=True))
        if f.kind == F.BODY:
            cols.append(Column(f"{f.column}_type", String(8), nullable=True))
    return cols


items = Table(
    "items", metadata,
    Column("id", String(128), primary_key=True),
    Column("mailbox", String(320), ForeignKey("mailboxes.smtp"), nullable=False),
    Column("folder_id", String(128), ForeignKey("folders.id"), nullable=False),
    Column("item_type", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("change_key", String(512), nullable=False),
    Column("task_request_sent", Boolean, nullable=False, default=False),
    Column("extended", Text, nullable=True),
    *_field_columns(),
    Index("ix_items_folder", "folder_id"),
    Index("ix_items_mailbox", "mailbox"),
    # a sync's first pages list a folder's items oldest first (migration 0008)
    Index("ix_items_folder_created", "folder_id", "date_time_created", "id"),
)

#: the attachments of stored items (store/attachments.py): one row per attachment, an item attachment's own
#: attachments too (``parent_key`` names the item attachment holding them; NULL: the root item's own). A file's
#: content is bytes; an attached item is its items row as JSON (``item``). Rows go with their root item.
attachments = Table(
    "attachments", metadata,
    Column("item_id", String(128), nullable=False),
    Column("key", String(32), nullable=False),
    Column("parent_key", String(32), nullable=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("name", Text, nullable=True),
    Column("content_type", Text, nullable=True),
    Column("content_id", Text, nullable=True),
    Column("content_location", Text, nullable=True),
    Column("last_modified_time", DateTime, nullable=True),
    Column("is_inline", Boolean, nullable=False, default=False),
    Column("is_contact_photo", Boolean, nullable=False, default=False),
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=True),
    Column("item", Text, nullable=True),
    PrimaryKeyConstraint("item_id", "key", name="pk_attachments"),
)

#: every committed write, in commit order (store/journal.py): sync states, watermarks and the ChangeKey history
#: (D3) are read from here. ``position`` is SQLite's rowid (writers are serialised) and, on PostgreSQL, taken
#: from ``journal_head`` at commit time; no default and no sequence on either.
change_journal = Table(
    "change_journal", metadata,
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False),
    Column("mailbox", String(320), nullable=False),
    Column("folder_id", String(128), nullable=True),
    Column("object_id", String(128), nullable=False),
    Column("object_kind", String(8), nullable=False),
    Column("event", String(16), nullable=False),
    Column("old_folder_id", String(128), nullable=True),
    Column("old_object_id", String(128), nullable=True),
    Column("version", Integer, nullable=True),
    Column("change_key", String(512), nullable=True),
    Column("changes", Text, nullable=False),
    Index("ix_change_journal_mailbox", "mailbox", "position"),
    # SyncFolderItems' pages (store/sync.py, migration 0009); (object_id, position) also serves every lookup
    # by object_id alone (the ChangeKey history), which had an index of its own before
    Index("ix_change_journal_object_position", "object_id", "position"),
    Index("ix_change_journal_folder", "folder_id", "position"),
    Index("ix_change_journal_old_folder", "old_folder_id", "position"),
    Index("ix_change_journal_old_object", "old_object_id"),
)

#: PostgreSQL's journal position counter: one row, updated by each committing writer (its row lock orders
#: the commits). Unused on SQLite.
journal_head = Table(
    "journal_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
)

#: one row per element of a multi-valued field or extended property, for "any element equals" restrictions
item_values = Table(
    "item_values", metadata,
    Column("item_id", String(128), nullable=False),
    Column("field", String(256), nullable=False),
    Column("value", Text, nullable=True),
    Index("ix_item_values_item_field", "item_id", "field"),
    Index("ix_item_values_field_value", "field", "value"),
)

#: keys the server signs its opaque tokens with (sync states, watermarks; store/secrets.py). Mailbox data, not
#: the double's: a reset deletes them, so every token handed out before it stops verifying
store_secrets = Table(
    "store_secrets", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

#: event-notification subscriptions (store/subscriptions.py): in the database so every worker process serves
#: every subscription; mailbox data, so a reset of the mailboxes ends them all
subscriptions = Table(
    "subscriptions", metadata,
    Column("id", String(64), primary_key=True),
    Column("mailbox", String(320), ForeignKey("mailboxes.smtp"), nullable=False, index=True),
    #: the authenticated user who made it: the only one who may use it
    Column("principal", String(320), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    #: JSON list of folder ids; NULL for SubscribeToAllFolders
    Column("folder_ids", Text, nullable=True),
    Column("event_types", Text, nullable=False),
    #: the journal position events have been handed out up to
    Column("position", BigInteger, nullable=False),
    Column("created", DateTime, nullable=False),
    Column("last_activity", DateTime, nullable=False),
    Column("timeout", Integer, nullable=True),
    Column("status_frequency", Integer, nullable=True),
    Column("url", Text, nullable=True),
    Column("caller_data", Text, nullable=True),
    #: push delivery: when the next one is due, since when deliveries fail, how many failed since
    Column("next_attempt", DateTime, nullable=True, index=True),
    Column("failing_since", DateTime, nullable=True),
    Column("retries", Integer, nullable=False, default=0),
    #: the worker delivering it and until when (a lease: exactly one worker delivers a push subscription)
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", DateTime, nullable=True),
    #: the connection streaming it (GetStreamingEvents): written by the newest, which takes it over
    Column("stream_token", String(32), nullable=True),
)

# ---- the test double's state, shared by every worker process (store/shared_state.py) ---------------------------

#: one row (id 1): what every worker reads once per request
shared_state = Table(
    "shared_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    #: bumped by every reset of the mailboxes: each worker then drops what it cached about them
    Column("generation", Integer, nullable=False),
    #: bumped by every change to the list of fault rules (not by a rule firing): workers reload the list
    Column("faults_version", Integer, nullable=False),
    #: the number of the last fault rule handed out (rules are f1, f2, …; a reset starts again)
    Column("fault_serial", Integer, nullable=False),
    #: the clock: frozen at this instant (µs since the Unix epoch), else running this many µs ahead of real time
    Column("clock_frozen_us", BigInteger, nullable=True),
    Column("clock_offset_us", BigInteger, nullable=False),
    #: ledger entries up to this id were cleared (a reset, DELETE ledger); entry numbers count from it
    Column("ledger_base", Integer, nullable=False),
)

#: the fault rules; ``fired`` is spent atomically (UPDATE … WHERE fired < count), so N workers fire N times
fault_rules = Table(
    "fault_rules", metadata,
    Column("id", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    #: the rule's parameters (JSON): kind, match, budget, what it answers
    Column("spec", Text, nullable=False),
    Column("count", Integer, nullable=True),
    Column("fired", Integer, nullable=False),
)

#: the request ledger, bounded: the newest ``--ledger-size`` rows count, older ones are trimmed in batches.
#: One INSERT per request: the bodies as bytes, everything else one JSON document (summarised when read).
ledger_entries = Table(
    "ledger_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fields", Text, nullable=False),
    Column("request", LargeBinary, nullable=False),
    Column("response", LargeBinary, nullable=False),
    sqlite_autoincrement=True,  # ids never come back after a trim or a clear (the ledger base relies on it)
)

#: the double's tables: a reset of the mailboxes leaves them to the double
SHARED_TABLES = frozenset({"shared_state", "fault_rules", "ledger_entries"})
