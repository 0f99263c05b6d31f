"""ExportItems and UploadItems through the endpoint: an exported item uploads as the same item (every property,
any item type) into another folder or another mailbox, Update replaces an item in place, and every refusal —
a garbage or altered blob first — is an in-band error that changes nothing. Every response is validated
against our wsdl and Microsoft's schema."""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import re

import pytest
from lxml import etree

from ewsemu.emulator import Emulator

from ..folder_state import folder_id, head, item_entries
from ..harness import Ews, Ref, assert_error, recipients, ref_of, val
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS

ALICE, BOB = "alice@example.com", "bob@example.com"
GONE_ITEM = "AAMkAGdvbmUtaXRlbS0wMQ=="  # a well-formed ItemId of no item
#: what a GetItem shows that an upload gives anew (identity, times, size)
_NEW = {"ItemId", "ParentFolderId", "DateTimeCreated", "LastModifiedTime"}


def export(ews: Ews, *refs: Ref, user: str | None = None):
    ids = "".join(r.xml() for r in refs)
    return ews.call(f"<m:ExportItems><m:ItemIds>{ids}</m:ItemIds></m:ExportItems>", user=user)


def exported(ews: Ews, ref: Ref, user: str | None = None) -> str:
    r = export(ews, ref, user=user)
    assert r.codes() == ["NoError"], r.body
    [msg] = r.xpath("//m:ExportItemsResponseMessage")
    item_id = msg.find("m:ItemId", NS)
    assert (item_id.get("Id"), item_id.get("ChangeKey")) == (ref.id, ref.ck)
    return msg.findtext("m:Data", namespaces=NS)


def upload(ews: Ews, folder: str, data: str, action: str = "CreateNew", item: Ref | None = None,
           associated: str | None = None, user: str | None = None):
    a = f' IsAssociated="{associated}"' if associated is not None else ""
    target = item.xml() if item is not None else ""
    return ews.call(f'<m:UploadItems><m:Items><t:Item CreateAction="{action}"{a}><t:ParentFolderId Id="{folder}"/>'
                    f"{target}<t:Data>{data}</t:Data></t:Item></m:Items></m:UploadItems>", user=user)


def uploaded(r) -> Ref:
    assert r.codes() == ["NoError"], r.body
    [el] = r.xpath("//m:UploadItemsResponseMessage/m:ItemId")
    return Ref(el.get("Id"), el.get("ChangeKey"))


def content(ews: Ews, ref: Ref, user: str | None = None) -> dict[str, bytes]:
    """Every property GetItem AllProperties shows, but those an upload makes new."""
    item = ews.get(ref, user=user)
    return {etree.QName(c).localname: etree.tostring(c, method="c14n") for c in item
            if etree.QName(c).localname not in _NEW}


ITEMS = {
    "Task": "<t:Subject>Export me</t:Subject><t:Body BodyType=\"HTML\">&lt;b&gt;b&lt;/b&gt;</t:Body>"
            "<t:Categories><t:String>a</t:String></t:Categories><t:DueDate>2026-03-01T00:00:00Z</t:DueDate>"
            "<t:PercentComplete>40</t:PercentComplete><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval>"
            "<t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence>"
            "<t:StartDate>2026-03-02</t:StartDate></t:NoEndRecurrence></t:Recurrence>",
    "Message": "<t:Subject>Draft</t:Subject><t:Importance>High</t:Importance>"
               + recipients("ToRecipients", BOB, "carol@example.com")
               + "<t:IsReadReceiptRequested>true</t:IsReadReceiptRequested>",
    "Contact": "<t:GivenName>Ann</t:GivenName><t:EmailAddresses><t:Entry Key=\"EmailAddress1\">ann@example.com"
               "</t:Entry></t:EmailAddresses><t:Surname>Smith</t:Surname>",
    "CalendarItem": "<t:Subject>Meet</t:Subject><t:Start>2026-02-01T10:00:00Z</t:Start>"
                    "<t:End>2026-02-01T11:00:00Z</t:End><t:Location>Room 1</t:Location>",
}


def create(ews: Ews, wrapper: str) -> Ref:
    kw = {"md": "SaveOnly"} if wrapper == "Message" else {"smi": "SendToNone"} if wrapper == "CalendarItem" else {}
    return ews.create(wrapper, ITEMS[wrapper], **kw)


@pytest.mark.parametrize("wrapper", sorted(ITEMS))
def test_an_exported_item_uploads_as_the_same_item_with_a_new_id(ews: Ews, emulator: Emulator,
                                                                   wrapper: str) -> None:
    ref = create(ews, wrapper)
    data = exported(ews, ref)
    assert base64.b64decode(data)[:2] == b"\x1f\x8b"  # gzip, as Exchange's opaque blobs are
    target = folder_id(ews, "inbox")
    before = head(emulator)
    new = uploaded(upload(ews, target, data))
    assert new.id != ref.id
    assert content(ews, new) == content(ews, ref)
    item = ews.get(new)
    assert item.find("t:ParentFolderId", NS).get("Id") == target
    [entry] = item_entries(emulator, before, ALICE)
    assert (entry.event, entry.object_id) == ("created", new.id)


def test_the_uploaded_item_keeps_the_exported_date_sent(ews: Ews, clock) -> None:
    ref = ews.create("Item", "<t:Subject>Generic</t:Subject>")
    data = exported(ews, ref)
    clock.advance(dt.timedelta(hours=1))
    new = uploaded(upload(ews, folder_id(ews, "inbox"), data))
    item, original = ews.get(new), ews.get(ref)
    assert val(item, "DateTimeSent") == val(original, "DateTimeSent") == val(original, "DateTimeCreated")
    assert val(item, "DateTimeCreated") != val(original, "DateTimeCreated")


def test_into_another_mailbox(ews: Ews) -> None:
    ref = create(ews, "Task")
    data = exported(ews, ref)
    new = uploaded(upload(ews, folder_id(ews, "tasks", user=BOB), data, user=BOB))
    theirs, mine = content(ews, new, user=BOB), content(ews, ref)
    assert theirs.pop("LastModifiedName") != mine.pop("LastModifiedName")  # the mailbox it is read in
    assert theirs == mine
    assert val(ews.get(new, user=BOB), "Subject") == "Export me" and export(ews, new).codes() == [
        "ErrorItemNotFound"]  # it is bob's


BINARY = bytes(range(256)) * 16 + b"\x00\r\n"


def _file(name: str, content: bytes, extra: str = "") -> str:
    return (f"<t:FileAttachment><t:Name>{name}</t:Name>{extra}<t:Content>{base64.b64encode(content).decode()}"
            "</t:Content></t:FileAttachment>")


#: a file, an inline picture and an attached message that carries a file of its own
ATTACHMENTS = ("<t:Attachments>" + _file("data.bin", BINARY, "<t:ContentType>application/x-test</t:ContentType>")
               + _file("logo.png", b"\x89PNG fake", "<t:ContentId>logo@example.com</t:ContentId>"
                       "<t:IsInline>true</t:IsInline>")
               + "<t:ItemAttachment><t:Name>inner</t:Name><t:Message><t:Subject>Inner</t:Subject>"
                 '<t:Body BodyType="Text">inner body</t:Body><t:Attachments>' + _file("nested.txt", b"nested \xff")
               + "</t:Attachments></t:Message></t:ItemAttachment></t:Attachments>")


def get_attachment(ews: Ews, attachment_id: str, user: str | None = None):
    r = ews.call(f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{attachment_id}"/></m:AttachmentIds>'
                 "</m:GetAttachment>", user=user)
    assert r.codes() == ["NoError"], r.body
    [el] = r.xpath("//m:Attachments/*")
    return el


def attachments_of(ews: Ews, ref: Ref, user: str | None = None) -> list:
    """Every attachment of the item, nested ones after their item's, as GetAttachment gives them (content and
    attached item) without their ids: what an upload must give back byte for byte."""
    out: list = []

    def walk(ids: list[str]) -> None:
        for aid in ids:
            el = get_attachment(ews, aid, user)
            inner = [i.get("Id") for i in el.findall("t:*/t:Attachments/*/t:AttachmentId", NS)]
            for node in list(el.iter()):  # ids, and the name of the mailbox it is read in
                if etree.QName(node).localname in ("AttachmentId", "ItemId", "ParentFolderId", "LastModifiedName"):
                    node.getparent().remove(node)
            for node in el.findall("t:*/t:Attachments", NS):  # the nested list is compared by walking it
                node.getparent().remove(node)
            out.append(etree.tostring(el, method="c14n"))
            walk(inner)

    item = ews.get(ref, user=user)
    walk([el.get("Id") for el in item.findall("t:Attachments/*/t:AttachmentId", NS)])
    return out


def without_attachment_ids(props: dict[str, bytes]) -> dict[str, bytes]:
    return {k: re.sub(rb"<t:AttachmentId [^>]*>(</t:AttachmentId>)?", b"", v) if k == "Attachments" else v
            for k, v in props.items()}


def test_attachments_upload_byte_for_byte_into_another_mailbox(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>With files</t:Subject>" + ATTACHMENTS, md="SaveOnly")
    data = exported(ews, ref)
    new = uploaded(upload(ews, folder_id(ews, "drafts", user=BOB), data, user=BOB))
    theirs, mine = attachments_of(ews, new, user=BOB), attachments_of(ews, ref)
    assert len(mine) == 4 and theirs == mine  # content (base64 of the bytes) and attached items, in order
    assert base64.b64encode(BINARY) in mine[0] and base64.b64encode(b"nested \xff") in mine[3]
    item, original = ews.get(new, user=BOB), ews.get(ref)
    assert val(item, "HasAttachments") == "true"
    ids = [el.get("Id") for el in item.findall("t:Attachments/*/t:AttachmentId", NS)]
    assert len(ids) == 3 and not set(ids) & {el.get("Id") for el in original.findall("t:Attachments/*/t:AttachmentId",
                                                                                     NS)}
    theirs_props, mine_props = without_attachment_ids(content(ews, new, user=BOB)), without_attachment_ids(
        content(ews, ref))
    assert theirs_props.pop("LastModifiedName") != mine_props.pop("LastModifiedName")
    assert theirs_props == mine_props  # the listing too (names, types, sizes, times)


def test_update_replaces_the_attachments_with_the_blobs(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>With files</t:Subject>" + ATTACHMENTS, md="SaveOnly")
    data = exported(ews, ref)
    other = ews.create("Message", "<t:Subject>Other</t:Subject><t:Attachments>" + _file("old.txt", b"old")
                       + "</t:Attachments>", md="SaveOnly")
    new = uploaded(upload(ews, folder_id(ews, "drafts"), data, "Update", other))
    assert new.id == other.id
    assert attachments_of(ews, other) == attachments_of(ews, ref)
    plain = exported(ews, create(ews, "Message"))  # an item without attachments leaves the target with none
    uploaded(upload(ews, folder_id(ews, "drafts"), plain, "UpdateOrCreate", new))
    item = ews.get(other)
    assert (item.find("t:Attachments", NS), val(item, "HasAttachments")) == (None, "false")


def test_update_replaces_the_item_in_place_with_a_new_change_key(ews: Ews) -> None:
    ref = create(ews, "Message")
    data = exported(ews, ref)
    r = ews.update(ref, '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>Changed'
                        "</t:Subject></t:Message></t:SetItemField>", md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    current = ref_of(ews.get(ref))
    new = uploaded(upload(ews, folder_id(ews, "drafts"), data, "Update", current, associated="false"))
    assert new.id == ref.id and new.ck != current.ck
    assert val(ews.get(ref), "Subject") == "Draft"


@pytest.mark.parametrize("exists", [True, False])
def test_update_or_create(ews: Ews, exists: bool) -> None:
    ref = create(ews, "Task")
    data = exported(ews, ref)
    target = ref if exists else Ref(GONE_ITEM)
    new = uploaded(upload(ews, folder_id(ews, "tasks"), data, "UpdateOrCreate", target))
    assert (new.id == ref.id) is exists
    assert len(ews.find("tasks")) == (1 if exists else 2)


def test_is_associated_overrides_the_blobs(ews: Ews) -> None:
    ref = create(ews, "Message")
    new = uploaded(upload(ews, folder_id(ews, "inbox"), exported(ews, ref), associated="true"))
    assert val(ews.get(new), "IsAssociated") == "true"
    assert ews.find("inbox") == []  # associated items are not contents


def test_export_answers_in_request_order_each_alone(ews: Ews) -> None:
    a, b = create(ews, "Task"), create(ews, "Task")
    r = export(ews, a, Ref(GONE_ITEM), b)
    assert r.codes() == ["NoError", "ErrorItemNotFound", "NoError"], r.body
    error = r.xpath("//m:ExportItemsResponseMessage")[1]
    assert error.find("m:Data", NS) is None and error.find("m:ItemId", NS) is None


# ---- errors, one per ResponseCode, each changing nothing -------------------------------------------------------


def tamper(data: str) -> str:
    raw = bytearray(gzip.decompress(base64.b64decode(data)))
    raw[raw.index(b"Export me")] = ord("X")
    return base64.b64encode(gzip.compress(bytes(raw))).decode()


@pytest.mark.parametrize("make", [
    lambda data: base64.b64encode(b"garbage").decode(),
    lambda data: data[: len(data) // 2 // 4 * 4],
    tamper,
    lambda data: base64.b64encode(gzip.compress(b'{"v":1,"item":{}}')).decode(),
], ids=["garbage", "truncated", "tampered", "unsigned"])
def test_data_this_server_did_not_export_is_corrupt(ews: Ews, make) -> None:
    ref = create(ews, "Task")
    data = exported(ews, ref)
    r = upload(ews, folder_id(ews, "tasks"), make(data))
    assert_error(r, "ErrorCorruptData")
    assert len(ews.find("tasks")) == 1


def test_update_of_an_item_not_in_the_folder(ews: Ews) -> None:
    ref = create(ews, "Task")
    before = ews.snapshot(ref)
    r = upload(ews, folder_id(ews, "inbox"), exported(ews, ref), "Update", ref)
    assert_error(r, "ErrorItemNotFound")
    assert ews.snapshot(ref) == before and ews.find("inbox") == []


@pytest.mark.parametrize(("action", "with_id"), [("CreateNew", True), ("Update", False)])
def test_create_new_with_an_item_id_and_update_without_one(ews: Ews, action: str, with_id: bool) -> None:
    ref = create(ews, "Task")
    before = ews.snapshot(ref)
    r = upload(ews, folder_id(ews, "tasks"), exported(ews, ref), action, ref if with_id else None)
    assert_error(r, "ErrorInvalidOperation")
    assert ews.snapshot(ref) == before and len(ews.find("tasks")) == 1


def test_update_with_an_item_of_another_type(ews: Ews) -> None:
    task, message = create(ews, "Task"), create(ews, "Message")
    before = ews.snapshot(message)
    r = upload(ews, folder_id(ews, "drafts"), exported(ews, task), "Update", message)
    assert_error(r, "ErrorObjectTypeChanged")
    assert ews.snapshot(message) == before


def test_a_parent_folder_that_does_not_exist(ews: Ews) -> None:
    ref = create(ews, "Task")
    r = upload(ews, "AAEuAGdvbmUtZm9sZGVyLWlkLTAx", exported(ews, ref))
    assert_error(r, "ErrorParentFolderNotFound")
    assert len(ews.find("tasks")) == 1


def test_export_of_a_folder_id(ews: Ews) -> None:
    assert_error(export(ews, Ref(folder_id(ews, "tasks"))), "ErrorCannotUseFolderIdForItemId")
