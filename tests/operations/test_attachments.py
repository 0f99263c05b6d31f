"""Attachments end to end: CreateAttachment, GetAttachment, DeleteAttachment, attachments inline in CreateItem,
``item:Attachments`` and ``item:HasAttachments`` in GetItem and FindItem, and the attachments every copy of an
item carries (CopyItem, MoveItem, a sent message's copies), byte for byte.

Raw SOAP through the endpoint; every response is validated against our wsdl/ and Microsoft's schema.
"""
from __future__ import annotations

import base64

import pytest

from ewsemu.core.clock import Clock
from ewsemu.core.limits import Limits
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..folder_state import dist, head, item_entries
from ..harness import Ews, Ref, assert_error, attendees, recipients, ref_of, set_field, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Client

ALICE, BOB = "alice@example.com", "bob@example.com"
DATA = "Hello from unicode æøå".encode()


def file_xml(name: str, content: bytes, *, inline: bool = False, extra: str = "") -> str:
    flag = "<t:IsInline>true</t:IsInline>" if inline else ""
    return (f"<t:FileAttachment><t:Name>{name}</t:Name>{extra}{flag}"
            f"<t:Content>{base64.b64encode(content).decode()}</t:Content></t:FileAttachment>")


def item_xml(name: str, subject: str, inner: str = "") -> str:
    attached = f"<t:Attachments>{inner}</t:Attachments>" if inner else ""
    return (f"<t:ItemAttachment><t:Name>{name}</t:Name><t:Message><t:Subject>{subject}</t:Subject>"
            f'<t:Body BodyType="Text">Body of {subject}</t:Body>{attached}</t:Message></t:ItemAttachment>')


def message(ews: Ews, attachments: str = "", *, subject: str = "Parent", md: str = "SaveOnly",
            folder: str | None = None, to: str = "") -> Ref:
    attached = f"<t:Attachments>{attachments}</t:Attachments>" if attachments else ""
    return ews.create("Message", f"<t:Subject>{subject}</t:Subject>{attached}{to}", md=md, folder=folder)


def create_attachment(ews: Ews, parent: Ref, *attachments: str):
    return ews.call(f"<m:CreateAttachment><m:ParentItemId Id=\"{parent.id}\"/>"
                    f"<m:Attachments>{''.join(attachments)}</m:Attachments></m:CreateAttachment>")


def get_attachment(ews: Ews, *ids: str, shape: str = ""):
    return ews.call(f"<m:GetAttachment>{shape}<m:AttachmentIds>"
                    + "".join(f'<t:AttachmentId Id="{i}"/>' for i in ids) + "</m:AttachmentIds></m:GetAttachment>")


def delete_attachment(ews: Ews, *ids: str):
    return ews.call("<m:DeleteAttachment><m:AttachmentIds>"
                    + "".join(f'<t:AttachmentId Id="{i}"/>' for i in ids) + "</m:AttachmentIds></m:DeleteAttachment>")


def attachment_ids(ews: Ews, ref: Ref, user: str | None = None) -> list[str]:
    return [el.get("Id") for el in ews.get(ref, user=user).findall("t:Attachments/*/t:AttachmentId", NS)]


def test_create_attachment_then_get_it_back(ews: Ews) -> None:
    parent = message(ews)
    r = create_attachment(ews, parent, file_xml("a.txt", DATA))
    assert r.codes() == ["NoError"], r.body
    [aid] = r.xpath("//m:Attachments/t:FileAttachment/t:AttachmentId")
    assert aid.get("RootItemId") == parent.id and aid.get("RootItemChangeKey") != parent.ck
    got = get_attachment(ews, aid.get("Id"))
    assert got.codes() == ["NoError"], got.body
    [content] = got.xpath("//t:FileAttachment/t:Content")
    assert base64.b64decode(content.text) == DATA
    item = ews.get(parent)
    assert val(item, "HasAttachments") == "true"
    assert item.find("t:ItemId", NS).get("ChangeKey") == aid.get("RootItemChangeKey")
    assert vals(item, "t:Attachments/t:FileAttachment/t:Name") == ["a.txt"]
    assert item.find("t:Attachments/t:FileAttachment/t:Content", NS) is None


def ids_in(r, kind: str = "*") -> list[str]:
    return [el.get("Id") for el in r.xpath(f"//m:Attachments/t:{kind}/t:AttachmentId")]


def content_of(ews: Ews, attachment_id: str, user: str | None = None) -> bytes:
    r = ews.call(f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{attachment_id}"/></m:AttachmentIds>'
                 "</m:GetAttachment>", user=user)
    assert r.codes() == ["NoError"], r.body
    return base64.b64decode(r.xpath("//t:FileAttachment/t:Content")[0].text or "")


def listed(ews: Ews, ref: Ref, user: str | None = None) -> list[tuple[str, str]]:
    item = ews.get(ref, user=user)
    return [(etree_name(el), el.findtext("t:Name", namespaces=NS)) for el in item.findall("t:Attachments/*", NS)]


def etree_name(el) -> str:
    return el.tag.split("}")[1]


# ---- CreateItem with attachments, GetItem's list -------------------------------------------------------------


def test_create_item_with_attachments_answers_their_ids_and_get_item_lists_them(ews: Ews) -> None:
    r = ews.create_response("Message", "<t:Subject>Parent</t:Subject><t:Attachments>"
                            + file_xml("a.txt", DATA, extra="<t:ContentType>text/plain</t:ContentType>")
                            + item_xml("inner", "Inner") + "</t:Attachments>", md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    msg = r.xpath("//m:Items/t:Message")[0]
    [file_id] = [el.get("Id") for el in msg.findall("t:Attachments/t:FileAttachment/t:AttachmentId", NS)]
    [item_id] = [el.get("Id") for el in msg.findall("t:Attachments/t:ItemAttachment/t:AttachmentId", NS)]
    ref = ref_of(msg)
    assert listed(ews, ref) == [("FileAttachment", "a.txt"), ("ItemAttachment", "inner")]
    item = ews.get(ref)
    [f] = item.findall("t:Attachments/t:FileAttachment", NS)
    assert (val(f, "ContentType"), val(f, "Size"), val(f, "IsInline"), val(f, "IsContactPhoto")) == (
        "text/plain", str(len(DATA)), "false", "false")
    assert f.find("t:AttachmentId", NS).get("Id") == file_id and f.find("t:Content", NS) is None
    assert val(item, "HasAttachments") == "true"
    assert content_of(ews, file_id) == DATA
    got = get_attachment(ews, item_id)
    assert got.xpath("//t:ItemAttachment/t:Message/t:Subject/text()") == ["Inner"]
    assert got.xpath("//t:ItemAttachment/t:Message/t:ItemId") == []  # an attached item has no store identity


def test_default_shape_lists_attachments_and_id_only_does_not(ews: Ews) -> None:
    ref = message(ews, file_xml("a.txt", DATA))
    assert ews.get(ref, shape="Default").find("t:Attachments", NS) is not None
    assert ews.get(ref, shape="IdOnly").find("t:Attachments", NS) is None
    extra = '<t:FieldURI FieldURI="item:Attachments"/><t:FieldURI FieldURI="item:HasAttachments"/>'
    item = ews.get(ref, shape="IdOnly", additional=extra)
    assert [etree_name(c) for c in item] == ["ItemId", "Attachments", "HasAttachments"]


def test_an_item_without_attachments_has_none_listed(ews: Ews) -> None:
    item = ews.get(message(ews))
    assert item.find("t:Attachments", NS) is None and val(item, "HasAttachments") == "false"


def test_has_attachments_ignores_inline_attachments_and_find_item_restricts_on_it(ews: Ews) -> None:
    with_file = message(ews, file_xml("a.txt", DATA), subject="file")
    inline = message(ews, file_xml("logo.png", b"\x89PNG", inline=True, extra="<t:ContentId>logo</t:ContentId>"),
                     subject="inline")
    message(ews, subject="plain")
    assert val(ews.get(inline), "HasAttachments") == "false"
    assert ews.get(inline).findtext("t:Attachments/t:FileAttachment/t:ContentId", namespaces=NS) == "logo"

    def subjects(value: str) -> list[str]:
        restriction = ('<t:IsEqualTo><t:FieldURI FieldURI="item:HasAttachments"/><t:FieldURIOrConstant>'
                       f'<t:Constant Value="{value}"/></t:FieldURIOrConstant></t:IsEqualTo>')
        return sorted(val(i, "Subject") for i in ews.find("drafts", restriction=restriction))

    assert subjects("true") == ["file"]
    assert subjects("false") == ["inline", "plain"]
    [found] = [i for i in ews.find("drafts") if val(i, "Subject") == "file"]
    assert ref_of(found).id == with_file.id and val(found, "HasAttachments") == "true"
    assert found.find("t:Attachments", NS) is None  # FindItem never lists attachments


# ---- CreateAttachment / DeleteAttachment and the root ChangeKey ----------------------------------------------


def test_each_attachment_in_create_attachment_is_its_own_message_and_bumps_the_change_key(ews: Ews) -> None:
    parent = message(ews)
    r = create_attachment(ews, parent, file_xml("1.txt", b"one"), item_xml("two", "Two"))
    assert r.codes() == ["NoError", "NoError"], r.body
    first, second = r.xpath("//m:Attachments/*/t:AttachmentId")
    assert first.get("RootItemChangeKey") != second.get("RootItemChangeKey") != parent.ck
    assert ews.get(parent).find("t:ItemId", NS).get("ChangeKey") == second.get("RootItemChangeKey")
    assert listed(ews, parent) == [("FileAttachment", "1.txt"), ("ItemAttachment", "two")]


def test_delete_attachment_reports_the_new_root_change_key_and_clears_has_attachments(ews: Ews,
                                                                                    emulator: Emulator) -> None:
    parent = message(ews, file_xml("a.txt", DATA))
    [aid] = attachment_ids(ews, parent)
    before = head(emulator)
    r = delete_attachment(ews, aid)
    assert r.codes() == ["NoError"], r.body
    [root] = r.xpath("//m:RootItemId")
    item = ews.get(parent)
    assert root.get("RootItemId") == parent.id
    assert root.get("RootItemChangeKey") == item.find("t:ItemId", NS).get("ChangeKey") != parent.ck
    assert item.find("t:Attachments", NS) is None and val(item, "HasAttachments") == "false"
    [entry] = item_entries(emulator, before)
    assert (entry.event, entry.object_id) == ("modified", parent.id)
    assert entry.changes["item:Attachments"] == [1, 0] and entry.changes["item:HasAttachments"] == [True, False]
    assert_error(get_attachment(ews, aid), "ErrorInvalidAttachmentId", container="Attachments")


def test_create_attachment_is_journaled_as_the_items_change(ews: Ews, emulator: Emulator) -> None:
    parent = message(ews)
    before = head(emulator)
    r = create_attachment(ews, parent, file_xml("a.txt", DATA))
    [entry] = item_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.change_key) == (
        "modified", parent.id, r.xpath("//t:AttachmentId")[0].get("RootItemChangeKey"))
    assert entry.changes["item:Attachments"] == [0, 1]


def test_an_update_with_the_key_from_before_an_attachment_still_succeeds(ews: Ews) -> None:
    """AutoResolve: attaching changed item:Attachments only, so a change of the subject does not conflict."""
    parent = message(ews)
    create_attachment(ews, parent, file_xml("a.txt", DATA))
    r = ews.update(parent, set_field("item:Subject", "<t:Subject>Renamed</t:Subject>", "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    assert listed(ews, parent) == [("FileAttachment", "a.txt")]


# ---- item attachments, recursively ---------------------------------------------------------------------------


def test_item_attachments_nest_and_each_level_is_fetched_by_its_own_id(ews: Ews) -> None:
    level3 = item_xml("level 3", "Three", file_xml("deep.bin", b"\x00\x01\x02"))
    parent = message(ews, item_xml("level 1", "One", item_xml("level 2", "Two", level3)))
    [one] = attachment_ids(ews, parent)
    subjects, current = [], one
    while True:
        r = get_attachment(ews, current)
        assert r.codes() == ["NoError"], r.body
        attached = r.xpath("//m:Attachments/t:ItemAttachment/t:Message")
        if not attached:
            assert base64.b64decode(r.xpath("//t:Content")[0].text) == b"\x00\x01\x02"
            break
        subjects.append(attached[0].findtext("t:Subject", namespaces=NS))
        assert val(attached[0], "HasAttachments") == "true"
        [current] = [el.get("Id") for el in attached[0].findall("t:Attachments/*/t:AttachmentId", NS)]
    assert subjects == ["One", "Two", "Three"]


def test_deleting_an_item_attachment_deletes_what_is_inside_it(ews: Ews) -> None:
    parent = message(ews, item_xml("outer", "Outer", file_xml("inner.txt", DATA)))
    [outer] = attachment_ids(ews, parent)
    r = get_attachment(ews, outer)
    [inner] = [el.get("Id") for el in r.xpath("//t:Message/t:Attachments/*/t:AttachmentId")]
    assert content_of(ews, inner) == DATA
    assert delete_attachment(ews, outer).codes() == ["NoError"]
    assert_error(get_attachment(ews, inner), "ErrorInvalidAttachmentId", container="Attachments")


@pytest.mark.parametrize("wrapper, props", [
    ("Task", "<t:Subject>A task</t:Subject><t:Status>InProgress</t:Status>"),
    ("Contact", "<t:Subject>A contact</t:Subject><t:GivenName>Ann</t:GivenName>"),
    ("CalendarItem", "<t:Subject>A meeting</t:Subject><t:Start>2026-02-01T10:00:00Z</t:Start>"
                     "<t:End>2026-02-01T11:00:00Z</t:End>"),
])
def test_any_stored_item_type_can_be_attached(ews: Ews, wrapper: str, props: str) -> None:
    parent = message(ews)
    r = create_attachment(ews, parent, f"<t:ItemAttachment><t:Name>x</t:Name><t:{wrapper}>{props}</t:{wrapper}>"
                                       "</t:ItemAttachment>")
    assert r.codes() == ["NoError"], r.body
    got = get_attachment(ews, ids_in(r)[0])
    assert got.xpath(f"//t:ItemAttachment/t:{wrapper}/t:Subject/text()") == [props.split(">")[1].split("<")[0]]


def test_body_type_text_converts_an_attached_html_body(ews: Ews) -> None:
    html = "&lt;html&gt;&lt;body&gt;&lt;p&gt;Hello&lt;/p&gt;&lt;p&gt;World&lt;/p&gt;&lt;/body&gt;&lt;/html&gt;"
    parent = message(ews, "<t:ItemAttachment><t:Name>h</t:Name><t:Message><t:Subject>h</t:Subject>"
                          f'<t:Body BodyType="HTML">{html}</t:Body></t:Message></t:ItemAttachment>')
    [aid] = attachment_ids(ews, parent)
    text = get_attachment(ews, aid, shape="<m:AttachmentShape><t:BodyType>Text</t:BodyType></m:AttachmentShape>")
    [body] = text.xpath("//t:Message/t:Body")
    assert (body.get("BodyType"), body.text) == ("Text", "Hello\r\nWorld\r\n")
    best = get_attachment(ews, aid)
    assert best.xpath("//t:Message/t:Body/@BodyType") == ["HTML"]


# ---- copies carry attachments, byte for byte -----------------------------------------------------------------


def _copy_or_move(ews: Ews, op: str, ref: Ref, to: str) -> Ref:
    r = ews.call(f"<m:{op}><m:ToFolderId>{to}</m:ToFolderId><m:ItemIds>{ref.xml()}</m:ItemIds></m:{op}>")
    assert r.codes() == ["NoError"], r.body
    return ref_of(r.xpath("//m:Items/t:Message")[0])


BIG = bytes(range(256)) * 4096  # 1 MiB: longer as base64 than --max-string-length allows other values


def test_copy_item_copies_the_attachments_with_new_ids(ews: Ews) -> None:
    ref = message(ews, file_xml("big.bin", BIG))
    copy = _copy_or_move(ews, "CopyItem", ref, dist("inbox"))
    [old], [new] = attachment_ids(ews, ref), attachment_ids(ews, copy)
    assert old != new and content_of(ews, new) == BIG == content_of(ews, old)
    assert val(ews.get(copy), "HasAttachments") == "true"
    assert delete_attachment(ews, new).codes() == ["NoError"]
    assert content_of(ews, old) == BIG  # the copies are independent


def test_move_item_moves_the_attachments_under_the_new_item_id(ews: Ews) -> None:
    ref = message(ews, file_xml("a.txt", DATA))
    [old] = attachment_ids(ews, ref)
    moved = _copy_or_move(ews, "MoveItem", ref, dist("inbox"))
    [new] = attachment_ids(ews, moved)
    assert content_of(ews, new) == DATA
    assert_error(get_attachment(ews, old), "ErrorItemNotFound", container="Attachments")


def test_moving_to_another_mailbox_carries_the_attachments(ews: Ews) -> None:
    ews.find("inbox", user=BOB)  # bob's mailbox exists
    ref = message(ews, file_xml("a.txt", DATA))
    r = ews.call(f"<m:MoveItem><m:ToFolderId>{dist('inbox', BOB)}</m:ToFolderId><m:ItemIds>{ref.xml()}"
                 "</m:ItemIds></m:MoveItem>")
    assert r.codes() == ["NoError"], r.body
    [theirs] = ews.find("inbox", user=BOB)
    [aid] = attachment_ids(ews, ref_of(theirs), user=BOB)
    assert content_of(ews, aid, user=BOB) == DATA


def test_a_message_sent_with_a_file_arrives_with_byte_identical_content(ews: Ews) -> None:
    assert ews.create_response("Message", "<t:Subject>Report</t:Subject><t:Attachments>" + file_xml("big.bin", BIG)
                               + "</t:Attachments>" + recipients("ToRecipients", BOB),
                               md="SendAndSaveCopy").codes() == ["NoError"]
    [received] = ews.find("inbox", user=BOB)
    assert val(received, "HasAttachments") == "true"
    [aid] = attachment_ids(ews, ref_of(received), user=BOB)
    assert content_of(ews, aid, user=BOB) == BIG
    [kept] = ews.find("sentitems")
    [mine] = attachment_ids(ews, ref_of(kept))
    assert mine != aid and content_of(ews, mine) == BIG


def test_a_draft_sent_by_update_item_delivers_its_attachments(ews: Ews) -> None:
    draft = message(ews, to=recipients("ToRecipients", BOB))
    create_attachment(ews, draft, file_xml("a.txt", DATA), item_xml("fwd", "Forwarded"))
    fresh = ref_of(ews.get(draft))
    r = ews.update(fresh, set_field("item:Subject", "<t:Subject>Sent</t:Subject>", "Message"), md="SendAndSaveCopy")
    assert r.codes() == ["NoError"], r.body
    [received] = ews.find("inbox", user=BOB)
    assert listed(ews, ref_of(received), user=BOB) == [("FileAttachment", "a.txt"), ("ItemAttachment", "fwd")]
    item = ews.get(ref_of(received), user=BOB)
    file_id = item.find("t:Attachments/t:FileAttachment/t:AttachmentId", NS).get("Id")
    assert content_of(ews, file_id, user=BOB) == DATA
    [kept] = ews.find("sentitems")
    assert listed(ews, ref_of(kept)) == [("FileAttachment", "a.txt"), ("ItemAttachment", "fwd")]


def test_a_meeting_request_carries_the_meetings_attachments(ews: Ews) -> None:
    r = ews.create_response("CalendarItem", "<t:Subject>Review</t:Subject><t:Attachments>" + file_xml("agenda.txt", DATA)
                            + "</t:Attachments><t:Start>2026-02-01T10:00:00Z</t:Start><t:End>2026-02-01T11:00:00Z"
                            "</t:End>" + attendees("RequiredAttendees", BOB), smi="SendToAllAndSaveCopy")
    assert r.codes() == ["NoError"], r.body
    [request] = ews.find("inbox", user=BOB)
    assert val(request, "HasAttachments") == "true"
    [aid] = attachment_ids(ews, ref_of(request), user=BOB)
    assert content_of(ews, aid, user=BOB) == DATA


def test_deleting_the_item_deletes_its_attachments(ews: Ews) -> None:
    ref = message(ews, file_xml("a.txt", DATA))
    [aid] = attachment_ids(ews, ref)
    assert ews.delete(ref).codes() == ["NoError"]
    assert_error(get_attachment(ews, aid), "ErrorItemNotFound", container="Attachments")


# ---- errors: one per ResponseCode, nothing changed -----------------------------------------------------------


GONE_ITEM = "AAMkAGdvbmUtaXRlbS0wMQ=="  # a well-formed ItemId of no item


def test_create_attachment_on_an_item_that_is_gone(ews: Ews) -> None:
    assert_error(create_attachment(ews, Ref(GONE_ITEM), file_xml("a.txt", DATA)), "ErrorItemNotFound",
                 container="Attachments")


def test_malformed_attachment_ids(ews: Ews) -> None:
    parent = message(ews, file_xml("a.txt", DATA))
    before = ews.snapshot(parent)
    for op in (get_attachment, delete_attachment):
        assert_error(op(ews, "AAMk="), "ErrorInvalidIdMalformed",
                     container="Attachments" if op is get_attachment else None)
        assert_error(op(ews, parent.id), "ErrorInvalidAttachmentId",  # an item's id is no attachment's
                     container="Attachments" if op is get_attachment else None)
    assert ews.snapshot(parent) == before


def test_delete_attachment_of_an_id_already_deleted(ews: Ews) -> None:
    parent = message(ews, file_xml("a.txt", DATA))
    [aid] = attachment_ids(ews, parent)
    delete_attachment(ews, aid)
    before = ews.snapshot(parent)
    assert_error(delete_attachment(ews, aid), "ErrorInvalidAttachmentId")
    assert ews.snapshot(parent) == before


def test_another_mailboxs_attachment_is_not_found(ews: Ews) -> None:
    parent = message(ews, file_xml("a.txt", DATA))
    [aid] = attachment_ids(ews, parent)
    r = ews.call(f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{aid}"/></m:AttachmentIds>'
                 "</m:GetAttachment>", user=BOB)
    assert_error(r, "ErrorItemNotFound", container="Attachments")


def test_an_item_attachment_without_an_item(ews: Ews) -> None:
    parent = message(ews)
    before = ews.snapshot(parent)
    assert_error(create_attachment(ews, parent, "<t:ItemAttachment><t:Name>empty</t:Name></t:ItemAttachment>"),
                 "ErrorMissingItemForCreateItemAttachment", container="Attachments")
    assert ews.snapshot(parent) == before


def test_item_attachments_nested_too_deep(ews: Ews) -> None:
    nested = item_xml("11", "11")
    for level in range(10, 0, -1):
        nested = item_xml(str(level), str(level), nested)
    r = ews.create_response("Message", f"<t:Subject>deep</t:Subject><t:Attachments>{nested}</t:Attachments>",
                            md="SaveOnly")
    assert_error(r, "ErrorAttachmentNestLevelLimitExceeded", container="Items")
    assert ews.find("drafts") == []


def test_a_file_larger_than_libxml2s_text_node_limit_is_stored_and_given_back_byte_for_byte(ews: Ews) -> None:
    """12 MiB of content is 16 MiB of base64 in one text node: past libxml2's 10 MB default, within
    --max-request-size (32M) and --max-attachment-size (25M), so it is stored, not refused as bad XML."""
    content = bytes(range(256)) * (12 * 4096)
    parent = message(ews)
    r = create_attachment(ews, parent, file_xml("large.bin", content))
    assert r.codes() == ["NoError"], r.body[:500]
    [aid] = r.xpath("//m:Attachments/t:FileAttachment/t:AttachmentId/@Id")
    got = get_attachment(ews, aid)
    assert base64.b64decode(got.xpath("//t:FileAttachment/t:Content")[0].text) == content


@pytest.fixture
def small_limit(database_url: str, clock: Clock):
    emu = Emulator(Settings(database=database_url, seed=7, limits=Limits(max_attachment_bytes=1000)), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield Ews(Client(make_app(emu)))
    emu.close()


def test_a_file_over_the_size_limit(small_limit: Ews) -> None:
    ews = small_limit
    parent = message(ews, file_xml("ok.bin", b"x" * 1000))
    before = ews.snapshot(parent)
    assert_error(create_attachment(ews, parent, file_xml("big.bin", b"x" * 1001)),
                 "ErrorAttachmentSizeLimitExceeded", container="Attachments")
    assert ews.snapshot(parent) == before
    r = ews.create_response("Message", "<t:Subject>big</t:Subject><t:Attachments>" + file_xml("big.bin", b"x" * 1001)
                            + "</t:Attachments>", md="SaveOnly")
    assert_error(r, "ErrorAttachmentSizeLimitExceeded", container="Items")
    assert [val(i, "Subject") for i in ews.find("drafts")] == ["Parent"]


# ---- exchangelib over HTTP -----------------------------------------------------------------------------------


def test_exchangelib_attaches_streams_and_detaches(exchangelib_account) -> None:
    from exchangelib import FileAttachment, ItemAttachment, Message

    account = exchangelib_account(ALICE)
    item = Message(account=account, folder=account.drafts, subject="With files")
    item.attach(FileAttachment(name="a.bin", content=BIG))
    item.attach(ItemAttachment(name="inner", item=Message(subject="Inner", body="inner body")))
    item.save()
    fresh = account.drafts.get(id=item.id)
    assert fresh.has_attachments and sorted(a.name for a in fresh.attachments) == ["a.bin", "inner"]
    [file_] = [a for a in fresh.attachments if a.name == "a.bin"]
    with file_.fp as fp:
        assert fp.read() == BIG
    [inner] = [a for a in fresh.attachments if a.name == "inner"]
    assert inner.item.subject == "Inner" and inner.item.body == "inner body"
    old_key = fresh.changekey
    fresh.detach(file_)
    again = account.drafts.get(id=item.id)
    assert [a.name for a in again.attachments] == ["inner"] and again.changekey != old_key
