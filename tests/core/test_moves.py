"""The rules of moving and copying items (core/moves.py) and MarkAsJunk's (core/junk.py), without a store."""
from __future__ import annotations


import pytest

from ewsemu.core import junk, moves
from ewsemu.core.errors import EwsError
from ewsemu.core.folders import Folder, SearchParameters
from ewsemu.core.ids import IdFactory
from ewsemu.core.item import Item
from ewsemu.core.values import Mailbox

ALICE = "alice@example.com"


def message(**values: object) -> Item:
    return Item(id="AAMkAQ==", mailbox=ALICE, folder_id="INBOX", item_type="Message", version=3,
                change_key=IdFactory.change_key("AAMkAQ==", 3), values={"item:Subject": "Hi", **values})


def folder(folder_id: str = "DRAFTS") -> Folder:
    return Folder(folder_id, ALICE, "ROOT", None, "Drafts", "IPF.Note", 1)


def test_a_moved_item_is_the_next_version_under_the_id_it_is_given() -> None:
    item = message()
    out = moves.moved(item, "DRAFTS", "AAMkAg==")
    assert (out.id, out.folder_id, out.version, out.change_key) == (
        "AAMkAg==", "DRAFTS", 4, IdFactory.change_key("AAMkAg==", 4))
    assert out.values == item.values and out.values is not item.values
    same = moves.moved(item, "JUNK", item.id)
    assert same.id == item.id and same.change_key != item.change_key
    assert (item.id, item.folder_id, item.version) == ("AAMkAQ==", "INBOX", 3)  # the original is untouched


def test_a_copy_is_a_new_independent_item_at_version_one() -> None:
    item = message(**{"item:Categories": ("a",)})
    out = moves.copied(item, item_id="AAMkAw==", mailbox="bob@example.com", folder_id="BOBINBOX")
    assert (out.id, out.mailbox, out.folder_id, out.version) == ("AAMkAw==", "bob@example.com", "BOBINBOX", 1)
    assert out.change_key == IdFactory.change_key("AAMkAw==", 1)
    out.values["item:Subject"] = "changed"
    assert item.values["item:Subject"] == "Hi"


def test_an_associated_item_cannot_be_moved_or_copied() -> None:
    moves.check_movable(message())
    with pytest.raises(EwsError) as err:
        moves.check_movable(message(**{"item:IsAssociated": True}))
    assert err.value.code == "ErrorInvalidOperation"


def test_a_destination_refuses_the_item_s_own_folder_for_a_move_and_any_search_folder() -> None:
    moves.check_destination(folder(), source_folder_id="INBOX", copy=False)
    moves.check_destination(folder("INBOX"), source_folder_id="INBOX", copy=True)  # a copy beside itself
    with pytest.raises(EwsError) as err:
        moves.check_destination(folder("INBOX"), source_folder_id="INBOX", copy=False)
    assert err.value.code == "ErrorMoveCopyFailed"

    finder = Folder("SEARCH", ALICE, "ROOT", None, "Unread", "IPF.Note", 1,
                    search=SearchParameters("Shallow", "<t:Restriction/>", ("INBOX",)))
    for copy in (False, True):
        with pytest.raises(EwsError) as err:
            moves.check_destination(finder, source_folder_id="INBOX", copy=copy)
        assert err.value.code == "ErrorMoveCopyFailed"


@pytest.mark.parametrize("is_junk, move_item, expected", [
    (True, True, "junkemail"), (False, True, "inbox"), (True, False, None), (False, False, None)])
def test_mark_as_junk_moves_only_with_move_item(is_junk: bool, move_item: bool, expected: str | None) -> None:
    item = message(**{"message:From": Mailbox("bob@example.com", "Bob")})
    assert junk.destination(item, ALICE, is_junk=is_junk, move_item=move_item) == expected


def test_a_message_the_owner_sent_stays_where_it_is() -> None:
    own = message(**{"message:From": Mailbox("Alice@Example.com", "Alice")})
    assert junk.sent_by(own, ALICE)
    assert junk.destination(own, ALICE, is_junk=True, move_item=True) is None
    by_sender = message(**{"message:Sender": Mailbox(ALICE)})
    assert junk.destination(by_sender, ALICE, is_junk=False, move_item=True) is None
    # a draft without a sender is moved like any other message
    assert junk.destination(message(), ALICE, is_junk=True, move_item=True) == "junkemail"
