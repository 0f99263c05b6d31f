"""ArchiveItem through the real endpoint: the canonical request (tests/golden/archive-item/), items landing in
the archive folder that matches their source under a new ItemId, and the refusals, each changing nothing.
Every response is validated against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

import pytest

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Response
from .folder_calls import add_message, children, create_folder, parent_xml, read_folder

CANONICAL = Path(__file__).parents[1] / "golden" / "archive-item" / "02-archive-item.request.xml"


def archive(ews: Ews, source: Ref | str, *items: Ref) -> Response:
    return ews.call(f"<m:ArchiveItem><m:ArchiveSourceFolderId>{parent_xml(source)}</m:ArchiveSourceFolderId>"
                    f"<m:ItemIds>{''.join(i.xml() for i in items)}</m:ItemIds></m:ArchiveItem>")


def folder_ref(ews: Ews, name: str) -> Ref:
    return Ref(read_folder(ews, name).find("t:FolderId", NS).get("Id"))


def test_the_canonical_request_archives_into_the_archive_inbox(ews: Ews) -> None:
    message = add_message(ews, folder_ref(ews, "inbox"), "Keep forever")
    body = CANONICAL.read_bytes().replace(b'Id="ITEM-1"', f'Id="{message.id}"'.encode())
    r = ews.post(body)
    assert r.codes() == ["NoError"], r.body
    [new] = r.xpath("//m:Items/t:Message/t:ItemId")
    assert new.get("Id") != message.id
    assert_error(ews.get_response(message), "ErrorItemNotFound")
    got = ews.get(Ref(new.get("Id")))
    assert got.find("t:ParentFolderId", NS).get("Id") == folder_ref(ews, "archiveinbox").id
    assert got.findtext("t:Subject", namespaces=NS) == "Keep forever"


def test_another_folder_gets_its_namesake_in_the_archive(ews: Ews) -> None:
    projects = create_folder(ews, "inbox", "Projects")
    first, second = add_message(ews, projects, "a"), add_message(ews, projects, "b")
    assert archive(ews, projects, first).codes() == ["NoError"]
    assert archive(ews, projects, second).codes() == ["NoError"]
    assert "Projects" in children(ews, "archivemsgfolderroot")
    assert children(ews, "archivemsgfolderroot").count("Projects") == 1


@pytest.mark.parametrize("case, code", [
    ("tasks folder", "ErrorCannotArchiveCalendarContactTaskFolderException"),
    ("already archived", "ErrorCannotArchiveItemsInArchiveMailbox"),
    ("no such item", "ErrorItemNotFound"),
])
def test_refusals_change_nothing(ews: Ews, case: str, code: str) -> None:
    message = add_message(ews, folder_ref(ews, "inbox"), "stays")
    source, item = {"tasks folder": ("tasks", message), "already archived": ("archiveinbox", message),
                    "no such item": ("inbox", Ref("AAMkAGdvbGRlbi1taXNzaW5n"))}[case]
    assert_error(archive(ews, source, item), code, container="Items")
    assert ews.get(message).findtext("t:Subject", namespaces=NS) == "stays"


def test_exchangelib_archives_an_item(ewsemu_account) -> None:
    from exchangelib import Message

    account = ewsemu_account("alice@example.com")
    item = Message(account=account, folder=account.inbox, subject="Archive me")
    item.save()
    item_id, changekey = item.archive(to_folder=account.inbox)
    assert item_id != item.id
    assert account.archive_inbox.get(id=item_id).subject == "Archive me"


def test_an_item_already_in_the_archive_is_refused_whatever_source_is_named(ews: Ews) -> None:
    message = add_message(ews, folder_ref(ews, "inbox"), "once")
    [new] = archive(ews, "inbox", message).xpath("//m:Items/t:Message/t:ItemId")
    archived = Ref(new.get("Id"))
    assert_error(archive(ews, "inbox", archived), "ErrorCannotArchiveItemsInArchiveMailbox", container="Items")
