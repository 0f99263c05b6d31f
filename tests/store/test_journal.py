"""The change journal (store/journal.py): each store write appends exactly its entry, in its transaction.

On this run's database (``make test`` runs the file on SQLite and on PostgreSQL): the entry of every write
kind, nothing from a rolled-back transaction, the ChangeKey history read from the journal, retention, reset,
the 0003 migration, and the entries the SOAP endpoint's CreateItem / UpdateItem / DeleteItem produce. The
racing writers are in tests/store/test_journal_race.py.
"""
from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text

from ewsemu.core import moves
from ewsemu.core.folder_tree import TREE
from ewsemu.core.folders import Folder
from ewsemu.core.item import Item
from ewsemu.emulator import Emulator, Settings
from ewsemu.store import journal, migrations
from ewsemu.store.journal import JournalEntry
from ewsemu.store.repository import Store

from .. import databases
from ..harness import Ews, Ref, set_field
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)

ALICE, BOB = "alice@example.com", "bob@example.com"
T0 = dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc)
T1 = T0 + dt.timedelta(minutes=5)


@pytest.fixture
def store(emulator: Emulator) -> Store:
    emulator.store.ensure_mailbox(ALICE, now=T0)
    return emulator.store


def folder(store: Store, name: str, mailbox: str = ALICE) -> Folder:
    with store.read() as conn:
        found = store.distinguished_folder(conn, mailbox, name)
    assert found is not None
    return found


def task(store: Store, item_id: str = "AAMkAQ==", folder_name: str = "tasks") -> Item:
    return Item(id=item_id, mailbox=ALICE, folder_id=folder(store, folder_name).id, item_type="Task", version=1,
                change_key=f"ck-{item_id}-1", values={"item:Subject": "first"})


def entries(store: Store, after: int = 0, **kw) -> list[JournalEntry]:
    with store.read() as conn:
        return journal.entries_after(conn, after, **kw)


def head(store: Store) -> int:
    with store.read() as conn:
        return journal.head(conn)


def new_entries(store: Store, write) -> list[JournalEntry]:  # noqa: ANN001 - a callable taking the UnitOfWork
    before = head(store)
    with store.write() as uow:
        write(uow)
    return entries(store, before)


def updated(item: Item, subject: str) -> tuple[Item, dict]:
    new = item.copy()
    new.version += 1
    new.change_key = f"ck-{item.id}-{new.version}"
    new.values["item:Subject"] = subject
    return new, {"item:Subject": (item.values["item:Subject"], subject)}


# ---- every write kind appends exactly its entry --------------------------------------------------------------


def test_a_new_mailbox_journals_its_default_folders_parents_first(store: Store) -> None:
    found = entries(store, mailbox=ALICE)
    assert [e.position for e in found] == list(range(found[0].position, found[0].position + len(TREE)))
    assert {(e.object_kind, e.event) for e in found} == {("folder", "created")}
    with store.read() as conn:
        by_id = {f.id: f for f in store.mailbox_folders(conn, ALICE)}
    assert [by_id[e.object_id].distinguished for e in found] == [f.key for f in TREE]
    seen: set[str | None] = {None}
    for entry in found:
        assert entry.folder_id == by_id[entry.object_id].parent_id and entry.folder_id in seen
        assert (entry.version, entry.change_key, entry.at) == (1, by_id[entry.object_id].change_key, T0)
        seen.add(entry.object_id)


def test_insert_item_appends_one_created_entry(store: Store) -> None:
    item = task(store)
    [entry] = new_entries(store, lambda uow: store.insert_item(uow, item, T0))
    assert entry == JournalEntry(entry.position, T0, ALICE, item.folder_id, item.id, "item", "created",
                                 version=1, change_key=item.change_key, changes={})


def test_update_item_appends_the_diff_and_a_lost_race_appends_nothing(store: Store) -> None:
    item = task(store)
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    new, changes = updated(item, "second")
    [entry] = new_entries(store, lambda uow: store.update_item(uow, new, 1, T1, changes))
    assert (entry.event, entry.version, entry.change_key, entry.at) == ("modified", 2, new.change_key, T1)
    assert entry.changes == {"item:Subject": ["first", "second"]}
    assert new_entries(store, lambda uow: store.update_item(uow, new, 1, T1, changes)) == []  # version is 2 now


def test_delete_item_appends_a_deleted_entry_and_keeps_the_history(store: Store) -> None:
    item = task(store)
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    [entry] = new_entries(store, lambda uow: store.delete_item(uow, item.id, T1))
    assert (entry.event, entry.mailbox, entry.folder_id, entry.object_id, entry.version, entry.at) == (
        "deleted", ALICE, item.folder_id, item.id, 1, T1)
    with store.read() as conn:
        assert [h["version"] for h in store.history(conn, item.id)] == [1]
    assert new_entries(store, lambda uow: store.delete_item(uow, item.id, T1)) == []  # nothing left to delete


def test_relocate_item_with_a_new_id_appends_one_moved_entry_naming_the_old_id_and_folder(store: Store) -> None:
    item = task(store)
    item.values["item:Categories"] = ("a", "b")  # multi-valued: its item_values rows follow the new id
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    drafts = folder(store, "drafts")
    moved = moves.moved(item, drafts.id, "AAMkBQ==")
    [entry] = new_entries(store, lambda uow: store.relocate_item(uow, item, moved, T1))
    assert (entry.event, entry.object_id, entry.folder_id, entry.old_object_id, entry.old_folder_id) == (
        "moved", moved.id, drafts.id, item.id, item.folder_id)
    assert (entry.version, entry.change_key, entry.at) == (2, moved.change_key, T1)
    with store.read() as conn:
        assert store.load_item(conn, item.id, ALICE) is None
        again = store.load_item(conn, moved.id, ALICE)
        assert (again.folder_id, again.change_key, again.values["item:Categories"]) == (
            drafts.id, moved.change_key, ("a", "b"))
        rows = conn.execute(text("SELECT item_id FROM item_values WHERE field = 'item:Categories'")).all()
        assert {r[0] for r in rows} == {moved.id}
        # the moved item's history starts at the move, and its ChangeKey is known to it
        assert [(h["version"], h["change_key"]) for h in store.history(conn, moved.id)] == [(2, moved.change_key)]
        assert store.changed_since(conn, moved.id, moved.change_key) == frozenset()
    # the move is seen from both folders, and a stale version writes nothing
    assert [e.event for e in entries(store, folder_id=item.folder_id, object_kind="item")] == ["created", "moved"]
    assert [e.event for e in entries(store, folder_id=drafts.id, object_kind="item")] == ["moved"]
    assert new_entries(store, lambda uow: store.relocate_item(uow, item, moved, T1)) == []


def test_relocate_item_keeping_the_id_is_a_new_version(store: Store) -> None:
    item = task(store)
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    junk = folder(store, "junkemail")
    moved = moves.moved(item, junk.id, item.id)
    [entry] = new_entries(store, lambda uow: store.relocate_item(uow, item, moved, T1))
    assert (entry.object_id, entry.old_object_id, entry.old_folder_id, entry.version) == (
        item.id, None, item.folder_id, 2)
    with store.read() as conn:
        assert [h["version"] for h in store.history(conn, item.id)] == [1, 2]
        assert store.changed_since(conn, item.id, item.change_key) == frozenset()
    elsewhere = moves.copied(item, item_id="AAMkBg==", mailbox=BOB, folder_id=junk.id)
    with store.write() as uow, pytest.raises(ValueError, match="one mailbox"):
        store.relocate_item(uow, moved, elsewhere, T1)


def test_copy_item_appends_a_copied_entry_naming_the_source(store: Store) -> None:
    item = task(store)
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    inbox = folder(store, "inbox")
    copy = Item(id="AAMkAg==", mailbox=ALICE, folder_id=inbox.id, item_type="Task", version=1,
                change_key="ck-copy", values=dict(item.values))
    [entry] = new_entries(store, lambda uow: store.copy_item(uow, item, copy, T1))
    assert (entry.event, entry.object_id, entry.folder_id, entry.old_object_id, entry.old_folder_id) == (
        "copied", copy.id, inbox.id, item.id, item.folder_id)
    with store.read() as conn:
        assert store.load_item(conn, copy.id, ALICE).values["item:Subject"] == "first"
        assert [h["change_key"] for h in store.history(conn, copy.id)] == ["ck-copy"]


def test_folder_writes_append_their_entries(store: Store) -> None:
    inbox, archive = folder(store, "inbox"), folder(store, "msgfolderroot")
    sub = Folder("AAEuAP8=", ALICE, inbox.id, None, "Projects", "IPF.Note", 1)
    [created] = new_entries(store, lambda uow: store.insert_folder(uow, sub, T0))
    assert (created.object_kind, created.event, created.folder_id, created.object_id) == (
        "folder", "created", inbox.id, sub.id)
    renamed = Folder(sub.id, ALICE, inbox.id, None, "Work", "IPF.Note", 2)
    [modified] = new_entries(store, lambda uow: store.update_folder(
        uow, renamed, 1, T1, {"folder:DisplayName": ("Projects", "Work")}))
    assert (modified.event, modified.version, modified.changes) == (
        "modified", 2, {"folder:DisplayName": ["Projects", "Work"]})
    assert new_entries(store, lambda uow: store.update_folder(uow, renamed, 1, T1, {})) == []  # stale version
    [moved] = new_entries(store, lambda uow: store.move_folder(uow, sub.id, ALICE, archive.id, T1))
    assert (moved.event, moved.folder_id, moved.old_folder_id) == ("moved", archive.id, inbox.id)
    [deleted] = new_entries(store, lambda uow: store.delete_folder(uow, sub.id, ALICE, T1))
    assert (deleted.event, deleted.object_id, deleted.folder_id) == ("deleted", sub.id, archive.id)
    with store.read() as conn:
        assert store.folder(conn, sub.id, ALICE) is None


def test_several_writes_in_one_transaction_get_consecutive_positions_in_write_order(store: Store) -> None:
    one, two = task(store, "AAMkAQ=="), task(store, "AAMkAg==")

    def write(uow) -> None:  # noqa: ANN001
        store.insert_item(uow, one, T0)
        store.insert_item(uow, two, T0)
        store.delete_item(uow, one.id, T0)

    found = new_entries(store, write)
    assert [(e.object_id, e.event) for e in found] == [(one.id, "created"), (two.id, "created"),
                                                       (one.id, "deleted")]
    assert [e.position for e in found] == list(range(found[0].position, found[0].position + 3))


# ---- only committed writes, and only through a unit of work ------------------------------------------------


def test_a_rolled_back_transaction_leaves_no_entry(store: Store) -> None:
    before = head(store)
    item = task(store)
    with pytest.raises(RuntimeError), store.write() as uow:
        store.insert_item(uow, item, T0)
        raise RuntimeError("the ItemChange fails after writing")
    assert head(store) == before and entries(store, before) == []
    with store.read() as conn:
        assert store.load_item(conn, item.id, ALICE) is None
    with store.write() as uow:  # the next committed write takes the next position: no gap
        store.insert_item(uow, item, T0)
    assert [e.position for e in entries(store, before)] == [before + 1]


def test_writes_refuse_a_bare_connection(store: Store) -> None:
    item = task(store)
    with store.write() as uow, pytest.raises(TypeError, match="UnitOfWork"):
        store.insert_item(uow.conn, item, T0)
    with store.read() as conn, pytest.raises(TypeError):
        store.delete_item(conn, item.id)


def test_a_unit_of_work_cannot_record_after_its_commit(store: Store) -> None:
    with store.write() as uow:
        pass
    with pytest.raises(RuntimeError):
        store.insert_item(uow, task(store), T0)


# ---- the ChangeKey history lives in the journal ------------------------------------------------------------


def test_changed_since_and_history_come_from_the_journal(store: Store) -> None:
    item = task(store)
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    second, changes = updated(item, "second")
    with store.write() as uow:
        store.update_item(uow, second, 1, T1, changes)
    with store.read() as conn:
        assert store.changed_since(conn, item.id, item.change_key) == frozenset({"item:Subject"})
        assert store.changed_since(conn, item.id, second.change_key) == frozenset()
        assert store.changed_since(conn, item.id, "never-had-it") is None
        assert [(h["version"], h["changes"]) for h in store.history(conn, item.id)] == [
            (1, {}), (2, {"item:Subject": ["first", "second"]})]


def test_an_id_used_again_starts_a_new_history(store: Store) -> None:
    item = task(store)
    with store.write() as uow:
        store.insert_item(uow, item, T0)
    second, changes = updated(item, "second")
    with store.write() as uow:
        store.update_item(uow, second, 1, T1, changes)
        store.delete_item(uow, item.id, T1)
    with store.write() as uow:
        store.insert_item(uow, item, T1)  # a fixture pinning the same id
    with store.read() as conn:
        assert [h["version"] for h in store.history(conn, item.id)] == [1]
        assert store.changed_since(conn, item.id, second.change_key) is None


# ---- retention and reset -----------------------------------------------------------------------------------


def test_retention_keeps_the_newest_entries_and_says_which_positions_are_still_covered(tmp_path) -> None:  # noqa: ANN001
    with databases.shared_database(tmp_path) as url:
        store = Store(url, journal_retention=5)
        store.create_schema()
        store.ensure_mailbox(ALICE, now=T0)
        assert store.journal.trim_every == 1
        items = [task(store, f"AAMk{i:03d}") for i in range(8)]
        for item in items:
            with store.write() as uow:
                store.insert_item(uow, item, T0)
        with store.read() as conn:
            newest = journal.head(conn)
            assert journal.oldest_retained(conn) == newest - 4
            assert [e.object_id for e in journal.entries_after(conn, 0)] == [i.id for i in items[-5:]]
            assert journal.retains(conn, newest - 5) and journal.retains(conn, newest)
            assert not journal.retains(conn, newest - 6) and not journal.retains(conn, newest + 1)
            # the history of a trimmed version is unknown: UpdateItem then assumes every property changed
            assert store.changed_since(conn, items[0].id, items[0].change_key) is None
            assert store.changed_since(conn, items[-1].id, items[-1].change_key) == frozenset()
        store.dispose()


def test_a_large_retention_trims_in_steps() -> None:
    assert journal.Journal(1_000_000).trim_every == 1000
    assert journal.Journal(250).trim_every == 2
    with pytest.raises(ValueError):
        journal.Journal(0)


def test_reset_empties_the_journal_and_positions_start_again(store: Store) -> None:
    assert head(store) > 0
    store.reset()
    assert head(store) == 0
    with store.read() as conn:
        assert journal.oldest_retained(conn) is None and journal.retains(conn, 0)
    store.ensure_mailbox(BOB, now=T0)
    assert entries(store)[0].position == 1


# ---- the 0003 migration ------------------------------------------------------------------------------------


def test_migration_0003_moves_item_versions_into_the_journal(tmp_path) -> None:  # noqa: ANN001
    with databases.shared_database(tmp_path) as url:
        store = Store(url)
        store.create_schema()
        cfg = migrations.config()
        with store.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
            conn.commit()
            conn.execute(text("INSERT INTO mailboxes (smtp, display_name, created) VALUES "
                              "('alice@example.com', 'alice', '2026-01-13 09:00:00')"))
            conn.execute(text("INSERT INTO folders (id, mailbox, display_name, version) VALUES "
                              "('F1', 'alice@example.com', 'Tasks', 1)"))
            conn.execute(text("INSERT INTO items (id, mailbox, folder_id, item_type, version, change_key, "
                              "task_request_sent) VALUES ('I1', 'alice@example.com', 'F1', 'Task', 2, 'ck2', false)"))
            conn.execute(text("INSERT INTO item_versions (item_id, version, change_key, at, changes) VALUES "
                              "('I1', 2, 'ck2', '2026-01-13 09:05:00', '{\"item:Subject\": [\"a\", \"b\"]}'), "
                              "('I1', 1, 'ck1', '2026-01-13 09:00:00', '{}'), "
                              "('GONE', 1, 'ckx', '2026-01-13 09:01:00', '{}')"))
            conn.commit()
        store.create_schema()
        with store.read() as conn:
            moved = journal.entries_after(conn, 0)
            assert [(e.position, e.object_id, e.event, e.version, e.folder_id) for e in moved] == [
                (1, "I1", "created", 1, "F1"), (2, "I1", "modified", 2, "F1")]
            assert store.changed_since(conn, "I1", "ck1") == frozenset({"item:Subject"})
        with store.write() as uow:  # new entries continue after the moved ones, on both databases
            store.insert_item(uow, Item(id="I2", mailbox="alice@example.com", folder_id="F1", item_type="Task",
                                        version=1, change_key="ck"), T0)
        with store.read() as conn:
            assert journal.head(conn) == 3
        with store.engine.connect() as conn:  # and back: item_versions is rebuilt from the journal
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
            conn.commit()
            assert conn.execute(text("SELECT item_id, version, change_key FROM item_versions "
                                     "ORDER BY item_id, version")).all() == [("I1", 1, "ck1"), ("I1", 2, "ck2"),
                                                                             ("I2", 1, "ck")]
        store.dispose()


# ---- end to end through the SOAP endpoint ------------------------------------------------------------------


def _delete(ews: Ews, ref: Ref, delete_type: str) -> None:
    r = ews.call(f'<m:DeleteItem DeleteType="{delete_type}"><m:ItemIds>{ref.xml()}</m:ItemIds></m:DeleteItem>')
    assert r.codes() == ["NoError"], r.body


def test_soap_writes_produce_their_entries(ews: Ews, emulator: Emulator) -> None:
    store = emulator.store
    ref = ews.create("Task", "<t:Subject>journaled</t:Subject>")
    tasks = folder(store, "tasks")
    start = next(e.position for e in entries(store, object_kind="item"))
    r = ews.update(ref, set_field("item:Subject", "<t:Subject>renamed</t:Subject>"))
    assert r.codes() == ["NoError"], r.body
    new_ck = r.xpath("//t:ItemId/@ChangeKey")[0]
    soft, moved, hard = (ews.create("Task", f"<t:Subject>{s}</t:Subject>") for s in ("soft", "moved", "hard"))
    _delete(ews, soft, "SoftDelete")
    _delete(ews, moved, "MoveToDeletedItems")
    _delete(ews, hard, "HardDelete")
    found = entries(store, start - 1, mailbox=ALICE)
    # SoftDelete and MoveToDeletedItems are moves: the item has a new id there, the entry names the old one
    assert [(e.old_object_id or e.object_id, e.event) for e in found] == [
        (ref.id, "created"), (ref.id, "modified"), (soft.id, "created"), (moved.id, "created"),
        (hard.id, "created"), (soft.id, "moved"), (moved.id, "moved"), (hard.id, "deleted")]
    assert found[5].object_id != soft.id and found[6].object_id != moved.id
    assert found[0].change_key == ref.ck and found[1].change_key == new_ck
    assert found[1].changes["item:Subject"] == ["journaled", "renamed"]
    assert (found[5].old_folder_id, found[5].folder_id) == (tasks.id, folder(store, "recoverableitemsdeletions").id)
    assert (found[6].old_folder_id, found[6].folder_id) == (tasks.id, folder(store, "deleteditems").id)
    assert found[7].folder_id == tasks.id
    assert {e.at for e in found} == {T0}  # the emulator's (frozen) clock


def test_a_failed_item_change_journals_nothing(ews: Ews, emulator: Emulator) -> None:
    ref = ews.create("Task", "<t:Subject>x</t:Subject>")
    before = head(emulator.store)
    r = ews.update(ref, set_field("task:PercentComplete", "<t:PercentComplete>250</t:PercentComplete>"))
    assert r.codes() != ["NoError"]
    assert entries(emulator.store, before) == []


def test_a_sent_message_is_created_in_each_recipients_mailbox(ews: Ews, emulator: Emulator) -> None:
    r = ews.create_response("Message", "<t:Subject>Hi</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>"
                            f"{BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients>", md="SendAndSaveCopy")
    assert r.codes() == ["NoError"], r.body
    found = entries(emulator.store, object_kind="item")
    assert sorted((e.mailbox, e.event, e.folder_id) for e in found) == sorted([
        (BOB, "created", folder(emulator.store, "inbox", BOB).id),
        (ALICE, "created", folder(emulator.store, "sentitems").id)])


def test_the_retention_is_a_setting(database_url: str) -> None:
    emu = Emulator(Settings(database=database_url, journal_retention=42))
    try:
        assert emu.store.journal.retention == 42
    finally:
        emu.close()
