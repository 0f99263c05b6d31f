"""SyncFolderItems through the real endpoint: the first sync's listing and its pages, each D39 rule of the net
change since a sync state, each D38 rule of what a sync state is, the errors, and the page limits. Every
response is validated against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

import base64
import gzip
from pathlib import Path

import pytest

from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses, set_field  # noqa: F401 (fixtures)
from ..soap import NS, Client
from .folder_calls import add_message, create_folder, folder
from .sync_calls import sync_all, sync_items, sync_items_response
from .test_move_copy import GONE_FOLDER, move

CANONICAL = Path(__file__).parents[1] / "golden" / "sync-folder-items" / "01-first-sync.request.xml"
BOB = "bob@example.com"


def read_flag(ews: Ews, item: Ref, read: bool) -> None:
    r = ews.update(Ref(item.id), set_field("message:IsRead", f"<t:IsRead>{'true' if read else 'false'}</t:IsRead>",
                                   "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body


def rename(ews: Ews, item: Ref, subject: str) -> None:
    r = ews.update(Ref(item.id), set_field("item:Subject", f"<t:Subject>{subject}</t:Subject>", "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body


def hard_delete(ews: Ews, item: Ref) -> None:
    assert ews.delete(item).codes() == ["NoError"]


def synced(ews: Ews, f: Ref) -> str:
    """The state after a complete sync of ``f``."""
    return sync_all(ews, f)[1]


# ---- the canonical request, the first sync --------------------------------------------------------------------


def test_the_canonical_request_lists_the_inbox(ews: Ews) -> None:
    first = ews.create("Message", "<t:Subject>One</t:Subject>", md="SaveOnly", folder='<t:DistinguishedFolderId Id="inbox"/>')
    r = ews.post(CANONICAL.read_bytes())
    assert r.status == 200, r.body
    [msg] = r.xpath("//m:ResponseMessages/m:SyncFolderItemsResponseMessage")
    assert r.codes() == ["NoError"]
    assert [c.tag.split("}")[1] for c in msg] == ["ResponseCode", "SyncState", "IncludesLastItemInRange", "Changes"]
    assert msg.findtext("m:SyncState", namespaces=NS).startswith("H4sI")  # gzip, as Exchange's tokens
    assert msg.findtext("m:IncludesLastItemInRange", namespaces=NS) == "true"
    [create] = msg.find("m:Changes", NS)
    assert create.find("t:Message/t:ItemId", NS).get("Id") == first.id
    assert create.find("t:Message/t:Subject", NS).text == "One"  # Default shape
    assert create.find("t:Message/t:Body", NS) is None  # never a body: clients follow with GetItem


def test_the_first_sync_lists_every_item_in_pages(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Big")
    made = [add_message(ews, f, f"m{i}").id for i in range(7)]
    p1 = sync_items(ews, f, max_changes=3)
    assert [c.kind for c in p1.changes] == ["Create"] * 3 and not p1.last
    p2 = sync_items(ews, f, p1.state, max_changes=3)
    p3 = sync_items(ews, f, p2.state, max_changes=3)
    assert not p2.last and p3.last and len(p3.changes) == 1
    listed = [c.id for c in p1.changes + p2.changes + p3.changes]
    assert sorted(listed) == sorted(made) and len(set(listed)) == 7
    again = sync_items(ews, f, p3.state)
    assert again.changes == [] and again.last  # nothing since: no changes, last in range


def test_items_created_during_the_first_sync_come_once(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Busy")
    made = [add_message(ews, f, f"m{i}").id for i in range(4)]
    p1 = sync_items(ews, f, max_changes=2)
    late = add_message(ews, f, "late").id  # after the listing began: the journal phase reports it
    rest, _, _ = sync_all(ews, f, p1.state, max_changes=2)
    ids = [c.id for c in p1.changes + rest]
    assert sorted(ids) == sorted(made + [late]) and ids[-1] == late


def test_asking_again_from_a_state_is_fine_and_both_states_stay_valid(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Quiet")
    state = synced(ews, f)
    again = sync_items(ews, f, state)
    assert again.last and again.changes == []
    add_message(ews, f)
    assert [c.kind for c in sync_items(ews, f, state).changes] == ["Create"]
    assert [c.kind for c in sync_items(ews, f, again.state).changes] == ["Create"]


# ---- D39: the net change per item --------------------------------------------------------------------------------


def test_created_and_deleted_in_the_window_is_nothing(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "D39a")
    state = synced(ews, f)
    item = add_message(ews, f)
    rename(ews, item, "changed")
    hard_delete(ews, item)
    page = sync_items(ews, f, state)
    assert page.changes == [] and page.last


def test_created_then_updated_is_one_create(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "D39b")
    state = synced(ews, f)
    item = add_message(ews, f)
    rename(ews, item, "second")
    rename(ews, item, "third")
    page = sync_items(ews, f, state, shape="Default")
    assert page.kinds == [("Create", item.id)]
    assert page.response.xpath("//t:Create/t:Message/t:Subject")[0].text == "third"


def test_updated_many_times_is_one_update(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "D39c")
    item = add_message(ews, f)
    state = synced(ews, f)
    for n in range(3):
        rename(ews, item, f"v{n}")
    page = sync_items(ews, f, state)
    assert page.kinds == [("Update", item.id)]
    [el] = page.response.xpath("//t:Update/t:Message/t:ItemId")
    assert el.get("ChangeKey") == ews.get(item).find("t:ItemId", NS).get("ChangeKey")


def test_an_is_read_change_only_is_a_read_flag_change(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "D39d")
    item = add_message(ews, f, is_read=False)
    other = add_message(ews, f, "other", is_read=False)
    state = synced(ews, f)
    read_flag(ews, item, True)
    read_flag(ews, other, True)
    rename(ews, other, "and renamed")
    page = sync_items(ews, f, state)
    assert page.kinds == [("ReadFlagChange", item.id), ("Update", other.id)]
    assert page.changes[0].is_read == "true"
    [flag] = page.response.xpath("//t:ReadFlagChange")
    assert [c.tag.split("}")[1] for c in flag] == ["ItemId", "IsRead"]


def test_moved_out_is_a_delete_and_moved_in_a_create_under_the_new_id(ews: Ews) -> None:
    src, dst = create_folder(ews, "inbox", "From"), create_folder(ews, "inbox", "To")
    item = add_message(ews, src)
    src_state, dst_state = synced(ews, src), synced(ews, dst)
    r = move(ews, item, to=dst.xml("FolderId"))
    new_id = r.xpath("//m:Items/t:Message/t:ItemId")[0].get("Id")
    assert new_id != item.id
    assert sync_items(ews, src, src_state).kinds == [("Delete", item.id)]
    assert sync_items(ews, dst, dst_state).kinds == [("Create", new_id)]


def test_changes_come_in_the_order_of_each_items_last_change(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Order")
    a, b, c = (add_message(ews, f, n) for n in "abc")
    state = synced(ews, f)
    rename(ews, a, "a2")
    rename(ews, b, "b2")
    rename(ews, a, "a3")
    hard_delete(ews, c)
    assert sync_items(ews, f, state).kinds == [("Update", b.id), ("Update", a.id), ("Delete", c.id)]


def test_ignore_suppresses_the_listed_items_changes(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Ignore")
    a, b = add_message(ews, f, "a"), add_message(ews, f, "b")
    first = sync_items(ews, f, ignore=[a, Ref("AAA=")])  # a malformed id in Ignore is only not matched
    assert first.kinds == [("Create", b.id)]
    rename(ews, a, "a2")
    rename(ews, b, "b2")
    assert sync_items(ews, f, first.state, ignore=[b]).kinds == [("Update", a.id)]


def test_an_item_created_inside_a_long_window_is_a_create_on_a_later_page(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Window")
    old = [add_message(ews, f, f"old{i}") for i in range(3)]
    state = synced(ews, f)
    for item in old:
        rename(ews, item, "changed")
    new = add_message(ews, f, "new")
    rename(ews, new, "new, changed")
    p1 = sync_items(ews, f, state, max_changes=2)
    p2 = sync_items(ews, f, p1.state, max_changes=2)
    assert not p1.last and p2.last
    assert p1.kinds + p2.kinds == [("Update", old[0].id), ("Update", old[1].id), ("Update", old[2].id),
                                   ("Create", new.id)]


def test_a_retried_page_answers_the_same(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Retry")
    for i in range(5):
        add_message(ews, f, f"m{i}")
    p1 = sync_items(ews, f, max_changes=2)
    p2 = sync_items(ews, f, p1.state, max_changes=2)
    retried = sync_items(ews, f, p1.state, max_changes=2)
    assert retried.kinds == p2.kinds


# ---- shapes and scopes ---------------------------------------------------------------------------------------------


def test_shapes_and_additional_properties_as_get_item_renders_them(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Shapes")
    item = ews.create("Message", "<t:Subject>Hi</t:Subject><t:Body BodyType=\"Text\">secret</t:Body>", md="SaveOnly",
                      folder=f.xml("FolderId"))
    idonly = sync_items(ews, f, additional='<t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:Body"/>')
    [msg] = idonly.response.xpath("//t:Create/t:Message")
    assert [c.tag.split("}")[1] for c in msg] == ["ItemId", "Subject"]  # Body asked for, never returned
    everything = sync_items(ews, f, shape="AllProperties").response.xpath("//t:Create/t:Message")[0]
    got = ews.get(item, shape="AllProperties")
    skipped = {"Body", "TextBody", "UniqueBody", "NormalizedBody", "Attachments", "MimeContent"}
    assert [c.tag for c in everything] == [c.tag for c in got if c.tag.split("}")[1] not in skipped]


def test_associated_items_only_with_normal_and_associated_items(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Scope")
    normal = add_message(ews, f, "normal")
    hidden = ews.create("Message", "<t:Subject>config</t:Subject><t:IsAssociated>true</t:IsAssociated>",
                        md="SaveOnly", folder=f.xml("FolderId"))
    assert sync_items(ews, f, scope="NormalItems").kinds == [("Create", normal.id)]
    assert sorted(sync_items(ews, f, scope="NormalAndAssociatedItems").kinds) == sorted(
        [("Create", normal.id), ("Create", hidden.id)])


# ---- D38: what a sync state is -------------------------------------------------------------------------------------


def test_a_tampered_or_truncated_token_is_invalid(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Tamper")
    add_message(ews, f)
    state = synced(ews, f)
    raw = bytearray(gzip.decompress(base64.b64decode(state)))
    raw[raw.index(b'"base":') + 7] ^= 1  # another position, same layout: the signature no longer matches
    forged = base64.b64encode(gzip.compress(bytes(raw))).decode()
    for bad in (forged, state[:-8], state[: len(state) // 2], "not base64 at all!", base64.b64encode(b"x").decode()):
        r = sync_items_response(ews, f, bad)
        assert_error(r, "ErrorInvalidSyncStateData")
        msg = r.xpath("//m:SyncFolderItemsResponseMessage")[0]
        assert [c.tag.split("}")[1] for c in msg][-2:] == ["SyncState", "IncludesLastItemInRange"]


def test_another_folders_mailboxs_or_scopes_token_is_invalid(ews: Ews) -> None:
    a, b = create_folder(ews, "inbox", "A"), create_folder(ews, "inbox", "B")
    state = synced(ews, a)
    assert_error(sync_items_response(ews, b, state), "ErrorInvalidSyncStateData")
    assert_error(sync_items_response(ews, a, state, scope="NormalAndAssociatedItems"), "ErrorInvalidSyncStateData")
    bobs = sync_items(ews, "inbox", user=BOB).state
    assert_error(sync_items_response(ews, "inbox", bobs), "ErrorInvalidSyncStateData")
    inbox = sync_items(ews, "inbox").state  # a distinguished id and the FolderId name the same folder
    assert sync_items(ews, "inbox", inbox).last


def test_a_token_older_than_the_journals_retention_is_invalid(database_url: str) -> None:
    emu = Emulator(Settings(database=database_url, seed=7, journal_retention=300))
    if database_url != "sqlite://":
        emu.reset()
    try:
        ews = Ews(Client(make_app(emu)))
        f = create_folder(ews, "inbox", "Old")
        state = synced(ews, f)
        for i in range(40):
            add_message(ews, f, f"m{i}")
        assert sync_items(ews, f, state).last  # still held
        for i in range(400):
            add_message(ews, f, f"more{i}")
        assert_error(sync_items_response(ews, f, state), "ErrorInvalidSyncStateData")
        changes, _, _ = sync_all(ews, f)  # resync from scratch
        assert len(changes) == 440
    finally:
        emu.close()


def test_a_reset_voids_every_earlier_token(ews: Ews, emulator) -> None:
    state = sync_items(ews, "inbox").state
    emulator.reset()
    assert_error(sync_items_response(ews, "inbox", state), "ErrorInvalidSyncStateData")


# ---- errors ------------------------------------------------------------------------------------------------------


def test_a_folder_deleted_since_the_token_is_sync_folder_not_found(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Doomed")
    state = synced(ews, f)
    r = ews.call(f'<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds>{f.xml("FolderId")}</m:FolderIds>'
                 "</m:DeleteFolder>")
    assert r.codes() == ["NoError"], r.body
    assert_error(sync_items_response(ews, f, state), "ErrorSyncFolderNotFound")
    assert_error(sync_items_response(ews, Ref(GONE_FOLDER)), "ErrorSyncFolderNotFound")


def test_an_item_id_as_the_folder_and_a_search_folder_are_refused(ews: Ews) -> None:
    item = add_message(ews, create_folder(ews, "inbox", "X"))
    assert_error(sync_items_response(ews, Ref(item.id)), "ErrorCannotUseItemIdForFolderId")
    restriction = ('<t:Restriction><t:Exists><t:FieldURI FieldURI="item:Subject"/></t:Exists></t:Restriction>'
                   '<t:BaseFolderIds><t:DistinguishedFolderId Id="inbox"/></t:BaseFolderIds>')
    r = ews.call(f'<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="searchfolders"/></m:ParentFolderId>'
                 f'<m:Folders><t:SearchFolder><t:DisplayName>S</t:DisplayName><t:SearchParameters Traversal="Shallow">'
                 f"{restriction}</t:SearchParameters></t:SearchFolder></m:Folders></m:CreateFolder>")
    assert r.codes() == ["NoError"], r.body
    search = Ref(r.xpath("//t:FolderId")[0].get("Id"))
    assert_error(sync_items_response(ews, search), "ErrorInvalidOperation")


def test_shape_errors_are_get_items(ews: Ews) -> None:
    bad = '<t:FieldURI FieldURI="item:NoSuchThing"/>'
    synced_ = sync_items_response(ews, "inbox", additional=bad)
    got = ews.get_response(Ref("AAMkAGdvbmUtaXRlbS0wMQ=="), additional=bad)
    assert synced_.status == got.status == 500
    assert synced_.fault_code() == got.fault_code() == "ErrorSchemaValidation"


@pytest.mark.parametrize("value", ["0", "513", "-1", "many"])
def test_max_changes_returned_outside_1_to_512_is_a_schema_fault(ews: Ews, value: str) -> None:
    r = sync_items_response(ews, "inbox", max_changes=value)
    assert r.status == 500 and b"ErrorSchemaValidation" in r.body, r.body


def test_512_changes_a_page_at_most(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "Full")
    items = "".join(f"<t:Message><t:Subject>m{i}</t:Subject></t:Message>" for i in range(600))
    r = ews.call(f'<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>{f.xml("FolderId")}'
                 f"</m:SavedItemFolderId><m:Items>{items}</m:Items></m:CreateItem>")
    assert r.codes() == ["NoError"] * 600
    p1 = sync_items(ews, f, max_changes=512)
    assert len(p1.changes) == 512 and not p1.last
    p2 = sync_items(ews, f, p1.state, max_changes=512)
    assert len(p2.changes) == 88 and p2.last


# ---- a window's pages judge every item over the same changes (review of issue 16) --------------------------------


def test_an_item_created_on_one_page_and_deleted_before_the_next_is_a_delete(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "LostDelete")
    state = synced(ews, f)
    a, b = add_message(ews, f, "a"), add_message(ews, f, "b")
    p1 = sync_items(ews, f, state, max_changes=1)
    assert p1.kinds == [("Create", a.id)] and not p1.last
    hard_delete(ews, a)
    rest, _, _ = sync_all(ews, f, p1.state, max_changes=1)
    assert [(c.kind, c.id) for c in rest] == [("Create", b.id), ("Delete", a.id)]


def test_an_item_created_on_one_page_and_changed_before_the_next_is_an_update(ews: Ews) -> None:
    f = create_folder(ews, "inbox", "NoSecondCreate")
    state = synced(ews, f)
    a, b = add_message(ews, f, "a"), add_message(ews, f, "b")
    p1 = sync_items(ews, f, state, max_changes=1)
    assert p1.kinds == [("Create", a.id)]
    rename(ews, a, "renamed")
    rest, _, _ = sync_all(ews, f, p1.state, max_changes=1)
    assert [(c.kind, c.id) for c in rest] == [("Create", b.id), ("Update", a.id)]


def test_an_item_that_leaves_and_comes_back_under_its_id_during_the_first_sync_is_listed(ews: Ews) -> None:
    from .test_mark_as_junk import junk

    inbox = '<t:DistinguishedFolderId Id="inbox"/>'
    a = ews.create("Message", "<t:Subject>a</t:Subject>", md="SaveOnly", folder=inbox)
    b = ews.create("Message", "<t:Subject>b</t:Subject>", md="SaveOnly", folder=inbox)
    p1 = sync_items(ews, "inbox", max_changes=1)
    assert len(p1.kinds) == 1 and p1.kinds[0][0] == "Create" and not p1.last
    later = b if p1.kinds[0][1] == a.id else a  # the one the listing has not reached yet
    assert junk(ews, later).codes() == ["NoError"]  # to Junk Email and back, under the same ItemId
    assert junk(ews, Ref(later.id, None), is_junk="false").codes() == ["NoError"]
    rest, _, _ = sync_all(ews, "inbox", p1.state, max_changes=1)
    assert ("Create", later.id) in [(c.kind, c.id) for c in rest]
