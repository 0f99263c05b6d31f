"""store/attachments.py: rows in, the same attachments out (bytes identical, nesting kept), listings without
content, copies by the database, and the rows going with their item."""
from __future__ import annotations

import datetime as dt

from ewsemu.core import attachments as A
from ewsemu.core.ids import IdFactory
from ewsemu.core.item import Body, Item
from ewsemu.emulator import Emulator
from ewsemu.store import attachments as rows

ALICE = "alice@example.com"
T0 = dt.datetime(2026, 1, 13, 9, tzinfo=dt.timezone.utc)
PAYLOAD = bytes(range(256)) * 64


def _item(emulator: Emulator, item_id: str) -> Item:
    emulator.store.ensure_mailbox(ALICE, now=T0)
    with emulator.store.read() as conn:
        drafts = emulator.store.distinguished_folder(conn, ALICE, "drafts")
    item = Item(id=item_id, mailbox=ALICE, folder_id=drafts.id, item_type="Message", version=1,
                change_key=IdFactory.change_key(item_id, 1), values={"item:Subject": "root"})
    with emulator.store.write() as uow:
        emulator.store.insert_item(uow, item, T0)
    return item


def _tree() -> tuple[A.Attachment, ...]:
    meta = A.AttachmentMeta(name="f.bin", content_type="application/octet-stream", last_modified_time=T0)
    inner = Item(id="x", mailbox=ALICE, folder_id="", item_type="Message",
                 values={"item:Subject": "inner", "item:Body": Body("<p>hi</p>", "HTML"),
                         "item:DateTimeCreated": T0})
    nested = A.FileAttachment(A.AttachmentMeta(name="deep.txt", is_inline=True), b"deep")
    return (A.FileAttachment(meta, PAYLOAD),
            A.ItemAttachment(A.AttachmentMeta(name="mail"), inner, (nested,), size=300))


def test_a_tree_of_attachments_comes_back_as_it_went_in(emulator: Emulator) -> None:
    ids = IdFactory(seed=3)
    item = _item(emulator, ids.item_id())
    with emulator.store.write() as uow:
        stored = rows.insert(uow, item.id, _tree(), ids)
    with emulator.store.read() as conn:
        back = rows.tree(conn, item.id)
        listing = rows.listing(conn, item.id)
    assert [a.key for a in back] == [a.key for a in stored]
    file_, mail = back
    assert file_.content == PAYLOAD and file_.meta.last_modified_time == T0
    assert mail.item.values["item:Body"] == Body("<p>hi</p>", "HTML") and mail.item.get("item:DateTimeCreated") == T0
    assert [(a.meta.name, a.content) for a in mail.attachments] == [("deep.txt", b"deep")]
    assert [(i.kind, i.meta.name, i.size) for i in listing] == [("file", "f.bin", len(PAYLOAD)), ("item", "mail", 300)]


def test_copies_are_byte_identical_and_deleting_the_item_deletes_its_rows(emulator: Emulator) -> None:
    ids = IdFactory(seed=4)
    source, target = _item(emulator, ids.item_id()), _item(emulator, ids.item_id())
    with emulator.store.write() as uow:
        rows.insert(uow, source.id, _tree(), ids)
        rows.copy_all(uow, source.id, target.id)
        emulator.store.delete_item(uow, source.id, T0)
    with emulator.store.read() as conn:
        assert rows.tree(conn, source.id) == ()
        copied = rows.tree(conn, target.id)
    assert copied[0].content == PAYLOAD and copied[1].attachments[0].content == b"deep"
