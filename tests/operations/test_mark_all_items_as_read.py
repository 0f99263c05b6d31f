"""MarkAllItemsAsRead end to end: every message of each folder (not its subfolders, not its associated
items) read or unread, new ChangeKeys only for the messages that changed, MODIFIED journal entries, exact
UnreadCounts, one message per folder in order, and the errors (each changing nothing).

Raw SOAP through the endpoint, every response validated against our wsdl/ and Microsoft's schema once the
module has run. exchangelib 5.6.0 has no MarkAllItemsAsRead, so no client test here.
"""
from __future__ import annotations

from ewsemu.emulator import Emulator

from ..folder_state import counts, delivered, dist, folder_id, head, item_entries
from ..harness import Ews, Ref, assert_error, ref_of, val
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import Response

ALICE, CAROL = "alice@example.com", "carol@example.com"
GONE_FOLDER = "AAEuAGdvbmUtZm9sZGVyLWlkLTAx"


def mark(ews: Ews, *folders: str, read: str = "true", suppress: str = "true", user: str | None = None) -> Response:
    return ews.call(f"<m:MarkAllItemsAsRead><m:ReadFlag>{read}</m:ReadFlag>"
                    f"<m:SuppressReadReceipts>{suppress}</m:SuppressReadReceipts>"
                    f"<m:FolderIds>{''.join(folders)}</m:FolderIds></m:MarkAllItemsAsRead>", user=user)


def read_states(ews: Ews, name: str = "inbox", user: str | None = None) -> dict[str, str]:
    return {ref_of(m).id: val(m, "IsRead") for m in ews.find(name, user=user)}


def test_every_message_of_the_folder_is_marked_read_and_only_those_that_changed_get_a_new_change_key(
        ews: Ews, emulator: Emulator) -> None:
    first, second = delivered(ews, "one"), delivered(ews, "two")
    ews.update(second, '<t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true'
               "</t:IsRead></t:Message></t:SetItemField>", md="SaveOnly")
    second = ref_of(ews.get(Ref(second.id)))
    assert counts(ews, "inbox") == (2, 1)
    before = head(emulator)
    r = mark(ews, dist("inbox"))
    assert r.codes() == ["NoError"], r.body
    [msg] = r.xpath("//m:MarkAllItemsAsReadResponseMessage")
    assert msg.get("ResponseClass") == "Success" and len(msg) == 1  # ResponseCode only
    assert counts(ews, "inbox") == (2, 0)
    assert read_states(ews) == {first.id: "true", second.id: "true"}
    assert ref_of(ews.get(Ref(first.id))).ck != first.ck
    assert ref_of(ews.get(Ref(second.id))).ck == second.ck  # already read: untouched
    [entry] = item_entries(emulator, before)
    assert (entry.event, entry.object_id, entry.folder_id) == ("modified", first.id, folder_id(ews, "inbox"))
    assert entry.changes["message:IsRead"] == [False, True]


def test_read_flag_false_marks_every_message_unread(ews: Ews, emulator: Emulator) -> None:
    refs = [delivered(ews, s) for s in ("one", "two", "three")]
    assert mark(ews, dist("inbox")).codes() == ["NoError"]
    before = head(emulator)
    assert mark(ews, f'<t:FolderId Id="{folder_id(ews, "inbox")}"/>', read="false", suppress="false").codes() == [
        "NoError"]
    assert counts(ews, "inbox") == (3, 3)
    assert set(read_states(ews).values()) == {"false"}
    assert sorted(e.object_id for e in item_entries(emulator, before)) == sorted(r.id for r in refs)


def test_only_messages_change_and_other_folders_stay(ews: Ews) -> None:
    unread = delivered(ews)
    task = ews.create("Task", "<t:Subject>task</t:Subject>", folder=dist("inbox"))
    task_before = ews.snapshot(task)
    elsewhere = ews.create("Message", "<t:Subject>draft</t:Subject><t:IsRead>false</t:IsRead>", md="SaveOnly")
    drafts_before = (ews.snapshot(elsewhere), counts(ews, "drafts"))
    assert mark(ews, dist("inbox")).codes() == ["NoError"]
    assert read_states(ews)[unread.id] == "true"
    assert ews.snapshot(task) == task_before
    assert (ews.snapshot(elsewhere), counts(ews, "drafts")) == drafts_before == (drafts_before[0], (1, 1))


def test_one_message_per_folder_in_order_each_alone(ews: Ews) -> None:
    delivered(ews)
    r = mark(ews, f'<t:FolderId Id="{GONE_FOLDER}"/>', dist("inbox"), '<t:FolderId Id="AAAA=="/>', dist("drafts"))
    assert r.codes() == ["ErrorItemNotFound", "NoError", "ErrorInvalidIdMalformed", "NoError"]
    assert counts(ews, "inbox") == (1, 0)


def test_a_delegate_s_folder(ews: Ews) -> None:
    delivered(ews, to=CAROL)
    assert mark(ews, dist("inbox", CAROL)).codes() == ["NoError"]
    assert counts(ews, "inbox", user=CAROL) == (1, 0)


def test_the_errors_change_nothing(ews: Ews) -> None:
    ref = delivered(ews)
    before = (ews.snapshot(ref), counts(ews, "inbox"))
    for folder, code in ((f'<t:FolderId Id="{GONE_FOLDER}"/>', "ErrorItemNotFound"),
                         (dist("directory"), "ErrorFolderNotFound"),
                         ('<t:FolderId Id="AAAA=="/>', "ErrorInvalidIdMalformed"),
                         (f'<t:FolderId Id="{ref.id}"/>', "ErrorCannotUseItemIdForFolderId"),
                         (dist("inbox", "nobody"), "ErrorNonExistentMailbox")):
        assert_error(mark(ews, folder), code)
    assert (ews.snapshot(ref), counts(ews, "inbox")) == before
