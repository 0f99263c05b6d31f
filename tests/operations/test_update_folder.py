"""UpdateFolder through the real endpoint: the canonical request (tests/golden/update-folder/), each action on
the registry's rules, the ResponseCodes it answers (each showing that nothing changed), the journal entry and
exchangelib's folder.save(). Every response is validated against our wsdl/ and Microsoft's schema once the
module has run."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ewsemu.core.ids import IdFactory

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Response
from .folder_calls import create_folder, journal_entries, journal_head, parent_xml, read_folder, text

GOLDEN = Path(__file__).parents[1] / "golden" / "update-folder"
EXT = '<t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="Colour" ' \
      'PropertyType="String"/>'
ACL = ("<t:PermissionSet><t:Permissions><t:Permission><t:UserId><t:PrimarySmtpAddress>bob@example.com"
       "</t:PrimarySmtpAddress></t:UserId><t:PermissionLevel>Editor</t:PermissionLevel></t:Permission>"
       "</t:Permissions></t:PermissionSet>")


def set_(uri: str, prop: str, wrapper: str = "Folder") -> str:
    return f'<t:SetFolderField><t:FieldURI FieldURI="{uri}"/><t:{wrapper}>{prop}</t:{wrapper}></t:SetFolderField>'


def delete(uri: str) -> str:
    return f'<t:DeleteFolderField><t:FieldURI FieldURI="{uri}"/></t:DeleteFolderField>'


def update(ews: Ews, target: Ref | str, *updates: str) -> Response:
    return ews.call(f"<m:UpdateFolder><m:FolderChanges><t:FolderChange>{parent_xml(target)}<t:Updates>"
                    f"{''.join(updates)}</t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>")


def snapshot(ews: Ews, ref: Ref | str) -> bytes:
    return etree.tostring(read_folder(ews, ref, additional=EXT), method="c14n")


def test_the_canonical_request(ews: Ews) -> None:
    ews.post((GOLDEN / "01-create.request.xml").read_bytes())
    ref_el = ews.call('<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape>'
                      '</m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds>'
                      "</m:FindFolder>").xpath("//t:Folders/t:Folder/t:FolderId")[0]
    body = (GOLDEN / "02-update-folder.request.xml").read_bytes().replace(
        b'"FOLDER-1"', f'"{ref_el.get("Id")}"'.encode()).replace(b'"CK-1"', f'"{ref_el.get("ChangeKey")}"'.encode())
    r = ews.post(body)
    assert r.codes() == ["NoError", "ErrorObjectTypeChanged"], r.body
    [new] = r.xpath("//m:Folders/t:Folder/t:FolderId")
    assert new.get("Id") == ref_el.get("Id") and new.get("ChangeKey") != ref_el.get("ChangeKey")
    got = read_folder(ews, Ref(new.get("Id")))
    assert text(got, "DisplayName") == "Receipts 2026"
    assert [text(p, "PermissionLevel") for p in got.findall("t:PermissionSet/t:Permissions/t:Permission", NS)] == [
        "None", "None", "Reviewer"]


def test_a_rename_keeps_the_id_changes_the_change_key_and_is_journaled(ews: Ews, emulator) -> None:
    ref = create_folder(ews, "inbox", "Old")
    before = journal_head(emulator)
    r = update(ews, ref, set_("folder:DisplayName", "<t:DisplayName>Middle</t:DisplayName>"),
               set_("folder:DisplayName", "<t:DisplayName>New</t:DisplayName>"))
    assert r.codes() == ["NoError"], r.body
    [new] = r.xpath("//m:Folders/t:Folder/t:FolderId")
    assert new.get("Id") == ref.id and new.get("ChangeKey") != ref.ck
    got = read_folder(ews, ref)
    assert text(got, "DisplayName") == "New" and got.find("t:FolderId", NS).get("ChangeKey") == new.get("ChangeKey")
    [entry] = journal_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.change_key) == ("modified", ref.id, new.get("ChangeKey"))
    assert entry.changes == {"folder:DisplayName": ["Old", "New"]}


def test_a_distinguished_folder_can_be_renamed_and_found_by_its_id(ews: Ews) -> None:
    assert update(ews, "tasks", set_("folder:DisplayName", "<t:DisplayName>To do</t:DisplayName>")).codes() == [
        "NoError"]
    assert text(read_folder(ews, "tasks"), "DisplayName") == "To do"


def test_folder_class_may_be_set_to_the_value_it_has(ews: Ews) -> None:
    ref = create_folder(ews, "inbox", "Notes", folder_class="IPF.Note")
    assert update(ews, ref, set_("folder:FolderClass", "<t:FolderClass>IPF.Note</t:FolderClass>")).codes() == [
        "NoError"]


def test_the_permission_set_is_set_and_deleting_it_resets_it(ews: Ews) -> None:
    ref = create_folder(ews, "inbox", "Shared")
    assert update(ews, ref, set_("folder:PermissionSet", ACL)).codes() == ["NoError"]
    levels = lambda: [text(p, "PermissionLevel") for p in read_folder(ews, ref).findall(  # noqa: E731
        "t:PermissionSet/t:Permissions/t:Permission", NS)]
    assert levels() == ["None", "None", "Editor"]
    assert update(ews, Ref(ref.id), delete("folder:PermissionSet")).codes() == ["NoError"]
    assert levels() == ["None", "None"]


def test_extended_properties_are_set_and_deleted(ews: Ews) -> None:
    ref = create_folder(ews, "inbox", "Tagged")
    path = EXT
    r = update(ews, ref, f"<t:SetFolderField>{path}<t:Folder><t:ExtendedProperty>{path}<t:Value>red</t:Value>"
                         "</t:ExtendedProperty></t:Folder></t:SetFolderField>")
    assert r.codes() == ["NoError"], r.body
    assert text(read_folder(ews, ref, additional=EXT), "t:ExtendedProperty/t:Value") == "red"
    assert update(ews, Ref(ref.id), f"<t:DeleteFolderField>{path}</t:DeleteFolderField>").codes() == ["NoError"]
    assert read_folder(ews, ref, additional=EXT).find("t:ExtendedProperty", NS) is None


@pytest.mark.parametrize("change, code", [
    (set_("folder:FolderClass", "<t:FolderClass>IPF.Task</t:FolderClass>"), "ErrorObjectTypeChanged"),
    (set_("folder:TotalCount", "<t:TotalCount>4</t:TotalCount>"), "ErrorInvalidPropertySet"),
    (delete("folder:DisplayName"), "ErrorInvalidPropertyDelete"),
    (delete("folder:FolderClass"), "ErrorInvalidPropertyDelete"),
    ('<t:AppendToFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>x</t:DisplayName>'
     "</t:Folder></t:AppendToFolderField>", "ErrorInvalidPropertyAppend"),
    (set_("folder:DisplayName", "<t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>x</t:DisplayName>"),
     "ErrorIncorrectUpdatePropertyCount"),
    (set_("folder:DisplayName", "<t:FolderClass>IPF.Note</t:FolderClass>"), "ErrorUpdatePropertyMismatch"),
    (set_("item:Subject", "<t:DisplayName>x</t:DisplayName>"), "ErrorUpdatePropertyMismatch"),
    (set_("folder:DisplayName", "<t:DisplayName>Sibling</t:DisplayName>"), "ErrorFolderExists"),
    (set_("folder:DisplayName", "<t:DisplayName></t:DisplayName>"), "ErrorInvalidPropertySet"),
])
def test_refused_changes_change_nothing(ews: Ews, emulator, change: str, code: str) -> None:
    create_folder(ews, "inbox", "Sibling")
    ref = create_folder(ews, "inbox", "Target", folder_class="IPF.Note")
    before, head = snapshot(ews, ref), journal_head(emulator)
    r = update(ews, ref, set_("folder:DisplayName", "<t:DisplayName>First</t:DisplayName>"), change)
    assert_error(r, code)
    assert len(r.xpath("//m:ResponseMessages/*/m:Folders/*")) == 0
    assert snapshot(ews, ref) == before and journal_head(emulator) == head


@pytest.mark.parametrize("target, code", [
    (Ref(IdFactory(seed=3).folder_id()), "ErrorItemNotFound"),
    (Ref("bm90IGFuIGlk"), "ErrorInvalidIdMalformed"),
    (Ref(IdFactory(seed=3).item_id()), "ErrorCannotUseItemIdForFolderId"),
    (Ref(IdFactory(seed=3).folder_id(), "bm9wZQ=="), "ErrorInvalidChangeKey"),
    ("nosuchfolder", None),  # not a DistinguishedFolderIdNameType value: a schema fault
])
def test_bad_targets(ews: Ews, target: Ref | str, code: str | None) -> None:
    r = update(ews, target, set_("folder:DisplayName", "<t:DisplayName>x</t:DisplayName>"))
    if code is None:
        assert r.status == 500 and b"ErrorSchemaValidation" in r.body, r.body
    else:
        assert_error(r, code, container="Folders")  # no MessageXml: the target, not a property, is wrong


def test_exchangelib_saves_and_refreshes_a_folder(ewsemu_account) -> None:
    from exchangelib import Folder
    from exchangelib.properties import Permission, PermissionSet, UserId

    account = ewsemu_account("alice@example.com")
    f = Folder(parent=account.inbox, name="Before")
    f.save()
    old_key = f.changekey
    f.name = "After"
    f.save()  # exchangelib sets every writable field, and deletes the PermissionSet it does not have
    assert f.changekey != old_key
    f.permission_set = PermissionSet(permissions=[Permission(user_id=UserId(
        primary_smtp_address="alice@example.com"), permission_level="Reviewer")])
    f.save(update_fields=["permission_set"])
    f.refresh()
    assert f.name == "After"
    # exchangelib writes and reads a t:Permission's level as CalendarPermissionLevel, which Exchange ignores:
    # the entry is kept with the rights its flags give (none), and the level it reads back is its default
    assert [p.user_id.primary_smtp_address for p in f.permission_set.permissions] == [None, None, "alice@example.com"]


SIZE = '<t:ExtendedFieldURI PropertyTag="0xe08" PropertyType="Long"/>'


def test_a_folders_size_is_computed_from_its_items_and_cannot_be_set(ews: Ews) -> None:
    """PR_MESSAGE_SIZE (0x0E08), which exchangelib reads as ``Folder.size``: the sizes of the folder's items."""
    from .folder_calls import add_message

    ref = create_folder(ews, "inbox", "Sized")
    size = lambda: text(read_folder(ews, ref, shape="IdOnly", additional=SIZE), "t:ExtendedProperty/t:Value")  # noqa: E731
    assert size() == "0"
    add_message(ews, ref, "abc")
    add_message(ews, ref, "de")
    assert size() == str(2 * 256 + 3 + 2)  # each item's Size: 256 + its subject and body bytes
    r = update(ews, ref, f"<t:SetFolderField>{SIZE}<t:Folder><t:ExtendedProperty>{SIZE}<t:Value>1</t:Value>"
                         "</t:ExtendedProperty></t:Folder></t:SetFolderField>")
    assert_error(r, "ErrorInvalidPropertySet", {"PropertyTag": "0xe08", "PropertyType": "Long"},
                 kind="ExtendedFieldURI")
    assert size() == str(2 * 256 + 3 + 2)


def test_exchangelib_reads_a_folders_size(ewsemu_account) -> None:
    """As exchangelib's test_extended_properties registers it."""
    from exchangelib import ExtendedProperty, Folder, Message

    class FolderSize(ExtendedProperty):
        property_tag = 0x0E08
        property_type = "Long"

    account = ewsemu_account("alice@example.com")
    f = Folder(parent=account.inbox, name="Weighed")
    f.save()
    Message(account=account, folder=f, subject="x" * 10).save()
    Folder.register("size", FolderSize)
    try:
        f.refresh()
        assert f.size >= 256 + 10
    finally:
        Folder.deregister("size")


def test_a_stale_change_key_conflicts_only_on_what_changed_since(ews: Ews) -> None:
    """The items' AutoResolve rule (D3): the stale key's client may change what nobody changed since."""
    ref = create_folder(ews, "inbox", "Shared name")
    assert update(ews, ref, set_("folder:DisplayName", "<t:DisplayName>Renamed by another</t:DisplayName>")).codes() \
        == ["NoError"]
    stale = Ref(ref.id, ref.ck)
    r = update(ews, stale, set_("folder:DisplayName", "<t:DisplayName>Mine</t:DisplayName>"))
    assert_error(r, "ErrorIrresolvableConflict")
    assert text(read_folder(ews, ref), "DisplayName") == "Renamed by another"
    assert update(ews, stale, set_("folder:PermissionSet", ACL)).codes() == ["NoError"]


def test_d1_strict_requires_a_change_key_for_a_folder_id(clock) -> None:  # noqa: ANN001
    """D1's strict variant, as for items: a FolderId without ChangeKey is refused; a distinguished folder has
    no ChangeKey to send, so it is not."""
    from ewsemu.emulator import Emulator, Settings
    from ewsemu.server.wsgi import make_app

    from ..soap import Client

    emulator = Emulator(Settings(database="sqlite://", strict=True), clock)
    try:
        strict = Ews(Client(make_app(emulator)))
        ref = create_folder(strict, "inbox", "Strict")
        rename = set_("folder:DisplayName", "<t:DisplayName>Renamed</t:DisplayName>")
        assert_error(update(strict, Ref(ref.id), rename), "ErrorChangeKeyRequiredForWriteOperations")
        assert text(read_folder(strict, ref), "DisplayName") == "Strict"
        assert update(strict, ref, rename).codes() == ["NoError"]
        assert update(strict, "tasks", set_("folder:DisplayName", "<t:DisplayName>To do</t:DisplayName>")).codes() \
            == ["NoError"]
    finally:
        emulator.close()
