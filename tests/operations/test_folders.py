"""GetFolder and FindFolder (issue 5): shapes, element kinds, counts, in-band errors, paging, restrictions.

Requests are raw SOAP through the in-process endpoint (exchangelib's own, from tests/captures/, where there is
one); every response body is kept and validated against our wsdl/ and Microsoft's published schema once the module
has run. The last tests drive exchangelib 5.6.0 itself over real HTTP.
"""
from __future__ import annotations

import logging
import re
from typing import Iterator

import pytest
from lxml import etree

from ewsemu.core.ids import IdFactory
from ewsemu.protocol.folders import FolderView, folder_restriction
from ewsemu.core.folder_tree import DISTINGUISHED_IDS, TREE
from ewsemu.core.folders import Folder

from ..soap import NS, Client, Response, capture, ews_validate
from .folder_oracle import PRIMARY, deep_names

_RESPONSES: list[bytes] = []
#: display names under Top of Information Store, as the store creates them
TOIS_NAMES = sorted((f.name for f in TREE if f.parent == "msgfolderroot"), key=str.casefold)


@pytest.fixture(scope="module", autouse=True)
def _validate_every_response() -> Iterator[None]:
    _RESPONSES.clear()
    yield
    if _RESPONSES:
        ews_validate(*_RESPONSES)


def call(client: Client, body: str, user: str | None = None) -> Response:
    r = client.call(body, user=user)
    assert r.status == 200, r.body.decode()
    _RESPONSES.append(r.body)
    return r


def distinguished(name: str, mailbox: str | None = None) -> str:
    inner = f"<t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox>" if mailbox else ""
    return f'<t:DistinguishedFolderId Id="{name}">{inner}</t:DistinguishedFolderId>'


def shape(base: str = "Default", *uris: str) -> str:
    extra = "".join(f'<t:FieldURI FieldURI="{u}"/>' for u in uris)
    return f"<t:BaseShape>{base}</t:BaseShape>" + (f"<t:AdditionalProperties>{extra}</t:AdditionalProperties>"
                                                   if extra else "")


def get_folder(client: Client, *ids: str, base: str = "Default", uris: tuple[str, ...] = (),
               user: str | None = None) -> Response:
    return call(client, f"<m:GetFolder><m:FolderShape>{shape(base, *uris)}</m:FolderShape>"
                        f"<m:FolderIds>{''.join(ids)}</m:FolderIds></m:GetFolder>", user)


def find_folder(client: Client, *parents: str, traversal: str = "Shallow", base: str = "Default",
                uris: tuple[str, ...] = (), view: str = "", restriction: str = "") -> Response:
    r = f"<m:Restriction>{restriction}</m:Restriction>" if restriction else ""
    return call(client, f'<m:FindFolder Traversal="{traversal}"><m:FolderShape>{shape(base, *uris)}</m:FolderShape>'
                        f"{view}{r}<m:ParentFolderIds>{''.join(parents)}</m:ParentFolderIds></m:FindFolder>")


def folder_id(client: Client, name: str, mailbox: str | None = None) -> str:
    return get_folder(client, distinguished(name, mailbox), base="IdOnly").xpath("//t:FolderId/@Id")[0]


def child_names(el) -> list[str]:
    return [local_name(c) for c in el]


def local_name(el) -> str:
    return el.tag.rsplit("}", 1)[-1]


def names(r: Response) -> list[str]:
    return [n.text for n in r.xpath("//m:Folders/*/t:DisplayName | //t:Folders/*/t:DisplayName")]


def create_task(client: Client, subject: str, folder: str = "tasks") -> str:
    r = call(client, f'<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>{distinguished(folder)}'
                     f"</m:SavedItemFolderId><m:Items><t:Task><t:Subject>{subject}</t:Subject></t:Task></m:Items>"
                     f"</m:CreateItem>")
    assert r.codes() == ["NoError"], r.body.decode()
    return r.xpath("//t:ItemId/@Id")[0]


# ---- GetFolder ---------------------------------------------------------------------------------------------


def test_exchangelib_root_request(client: Client) -> None:
    """flow/01: IdOnly + 9 properties on root; no FolderClass and no ParentFolderId exist for the root."""
    r = client.post(capture("flow/01-GetFolder-root.request.xml"))
    _RESPONSES.append(r.body)
    assert r.status == 200 and r.codes() == ["NoError"]
    (folder,) = r.xpath("//m:Folders/*")
    assert local_name(folder) == "Folder"
    assert child_names(folder) == ["FolderId", "DisplayName", "TotalCount", "ChildFolderCount", "EffectiveRights",
                                   "DistinguishedFolderId", "UnreadCount"]
    assert folder.findtext("{*}DistinguishedFolderId") == "root"
    # msgfolderroot, recoverableitemsroot and the non-IPM system folders
    assert folder.findtext("{*}ChildFolderCount") == str(sum(f.parent == "root" for f in TREE))
    assert [e.text for e in r.xpath("//t:EffectiveRights/*")] == ["true"] * 7


def test_exchangelib_tasks_request(client: Client) -> None:
    """flow/02: the tasks folder is a t:TasksFolder whose parent is Top of Information Store."""
    r = client.post(capture("flow/02-GetFolder-tasks.request.xml"))
    _RESPONSES.append(r.body)
    (folder,) = r.xpath("//m:Folders/*")
    assert local_name(folder) == "TasksFolder"
    assert child_names(folder) == ["FolderId", "ParentFolderId", "FolderClass", "DisplayName", "TotalCount",
                                   "ChildFolderCount", "EffectiveRights", "DistinguishedFolderId", "PermissionSet",
                                   "UnreadCount"]
    tois = get_folder(client, distinguished("msgfolderroot"), base="IdOnly").xpath("//t:FolderId")[0]
    parent = r.xpath("//t:ParentFolderId")[0]
    assert (parent.get("Id"), parent.get("ChangeKey")) == (tois.get("Id"), tois.get("ChangeKey"))
    assert r.xpath("//t:FolderClass")[0].text == "IPF.Task"
    users = r.xpath("//t:Permission/t:UserId/t:DistinguishedUser/text()")
    assert users == ["Default", "Anonymous"]
    assert r.xpath("//t:Permission/t:PermissionLevel/text()") == ["None", "None"]


@pytest.mark.parametrize(("base", "expected"), [
    ("IdOnly", ["FolderId"]),
    ("Default", ["FolderId", "DisplayName", "TotalCount", "ChildFolderCount", "UnreadCount"]),
    ("AllProperties", ["FolderId", "ParentFolderId", "FolderClass", "DisplayName", "TotalCount", "ChildFolderCount",
                       "EffectiveRights", "PermissionSet", "UnreadCount"]),
])
def test_base_shapes(client: Client, base: str, expected: list[str]) -> None:
    r = get_folder(client, distinguished("inbox"), base=base)
    (folder,) = r.xpath("//m:Folders/*")
    assert child_names(folder) == expected


@pytest.mark.parametrize(("name", "element", "tail"), [
    ("calendar", "CalendarFolder", ["SharingEffectiveRights", "PermissionSet"]),
    ("contacts", "ContactsFolder", ["SharingEffectiveRights", "PermissionSet"]),
    ("tasks", "TasksFolder", ["PermissionSet", "UnreadCount"]),
    ("notes", "Folder", ["PermissionSet", "UnreadCount"]),
    ("msgfolderroot", "Folder", ["PermissionSet", "UnreadCount"]),
])
def test_element_kind_follows_folder_class(client: Client, name: str, element: str, tail: list[str]) -> None:
    """Calendar and contacts folders have no UnreadCount in the schema; their own tail comes after the base."""
    r = get_folder(client, distinguished(name), base="AllProperties", uris=("folder:SharingEffectiveRights",))
    (folder,) = r.xpath("//m:Folders/*")
    assert local_name(folder) == element
    assert child_names(folder)[-len(tail):] == tail


def test_calendar_permissions_are_calendar_permissions(client: Client) -> None:
    r = get_folder(client, distinguished("calendar"), base="IdOnly", uris=("folder:PermissionSet",))
    levels = r.xpath("//t:PermissionSet/t:CalendarPermissions/t:CalendarPermission/t:CalendarPermissionLevel/text()")
    assert levels == ["FreeBusyTimeOnly", "None"]


def test_total_count_counts_the_folders_items(client: Client) -> None:
    before = get_folder(client, distinguished("tasks"), distinguished("inbox"))
    assert before.xpath("//t:TotalCount/text()") == ["0", "0"]
    for i in range(3):
        create_task(client, f"t{i}")
    create_task(client, "elsewhere", folder="inbox")
    after = get_folder(client, distinguished("tasks"), distinguished("inbox"))
    assert after.xpath("//t:TotalCount/text()") == ["3", "1"]
    assert after.xpath("//t:UnreadCount/text()") == ["0", "0"]


def test_one_message_per_id_in_request_order_with_in_band_errors(client: Client) -> None:
    tasks_id = folder_id(client, "tasks")
    item_id = create_task(client, "an item")
    unknown = IdFactory(seed=1).folder_id()  # well-formed, but no folder has it
    r = get_folder(client, f'<t:FolderId Id="{tasks_id}"/>', distinguished("voicemail"),
                   f'<t:FolderId Id="{item_id}"/>', '<t:FolderId Id="DUMMY"/>', f'<t:FolderId Id="{unknown}"/>',
                   distinguished("inbox"))
    assert r.codes() == ["NoError", "ErrorFolderNotFound", "ErrorCannotUseItemIdForFolderId",
                         "ErrorInvalidIdMalformed", "ErrorFolderNotFound", "NoError"]
    assert r.xpath("//m:GetFolderResponseMessage/@ResponseClass") == ["Success"] + ["Error"] * 4 + ["Success"]
    assert names(r) == ["Tasks", "Inbox"]
    assert r.xpath("//m:MessageText/text()")[2] == "Id is malformed."


def test_every_well_known_folder_exchangelib_may_ask_for(client: Client) -> None:
    """exchangelib's fallback asks for all well-known folders at once: the unknown ones fail in-band."""
    from exchangelib import Build, Version
    from exchangelib.folders.known_folders import WELLKNOWN_FOLDERS_IN_ROOT

    version = Version(build=Build(15, 1, 2507, 6))  # RootOfHierarchy._folders_map's selection for our build
    wanted = [cls.DISTINGUISHED_FOLDER_ID for cls in WELLKNOWN_FOLDERS_IN_ROOT
              if cls.get_folder_allowed and cls.supports_version(version)]
    assert len(wanted) > 30
    r = get_folder(client, *(distinguished(n, "alice@example.com") for n in wanted), base="IdOnly",
                   uris=("folder:DistinguishedFolderId",))
    expected = ["NoError" if n in DISTINGUISHED_IDS else "ErrorFolderNotFound" for n in wanted]
    assert r.codes() == expected
    assert r.xpath("//t:DistinguishedFolderId/text()") == [n for n in wanted if n in DISTINGUISHED_IDS]
    assert {"directory", "voicemail"} <= set(wanted) - DISTINGUISHED_IDS  # a 15.1 mailbox has neither


def test_mailbox_of_another_user_is_created_on_first_use(client: Client) -> None:
    """Open default: alice may read bob's mailbox; its folders are bob's own, not alice's."""
    r = get_folder(client, distinguished("tasks", "Bob@Example.com"), distinguished("tasks"))
    bobs, alices = r.xpath("//t:FolderId/@Id")
    assert r.codes() == ["NoError", "NoError"] and bobs != alices
    assert folder_id(client, "tasks", "bob@example.com") == bobs
    assert get_folder(client, distinguished("tasks"), user="bob@example.com").xpath("//t:FolderId/@Id") == [bobs]


def test_a_mailbox_that_cannot_exist_is_refused_in_band_and_not_created(client: Client, emulator) -> None:
    r = get_folder(client, distinguished("inbox", "DUMMY"), distinguished("inbox"))
    assert r.codes() == ["ErrorNonExistentMailbox", "NoError"]
    with emulator.store.read() as conn:
        assert not emulator.store.mailbox_exists(conn, "dummy")


def test_folder_id_round_trips_with_its_change_key(client: Client) -> None:
    r = get_folder(client, distinguished("contacts"), base="IdOnly")
    fid = r.xpath("//t:FolderId")[0]
    again = get_folder(client, f'<t:FolderId Id="{fid.get("Id")}" ChangeKey="{fid.get("ChangeKey")}"/>',
                       base="AllProperties")
    assert again.xpath("//t:FolderId/@ChangeKey") == [fid.get("ChangeKey")]
    assert names(again) == ["Contacts"]


# ---- FindFolder --------------------------------------------------------------------------------------------


def test_shallow_lists_children_by_name(client: Client) -> None:
    r = find_folder(client, distinguished("msgfolderroot"))
    (root,) = r.xpath("//m:RootFolder")
    assert dict(root.attrib) == {"IndexedPagingOffset": str(len(TOIS_NAMES)), "TotalItemsInView": str(len(TOIS_NAMES)),
                                 "IncludesLastItemInRange": "true"}
    assert r.xpath("//m:RootFolder/t:Folders")  # FindFolder's container is in the types namespace
    assert names(r) == TOIS_NAMES
    kinds = dict(zip(names(r), (local_name(e) for e in r.xpath("//t:Folders/*"))))
    assert (kinds["Calendar"], kinds["Contacts"], kinds["Tasks"], kinds["Inbox"]) == \
        ("CalendarFolder", "ContactsFolder", "TasksFolder", "Folder")


def test_deep_lists_the_subtree_parents_first(client: Client) -> None:
    r = find_folder(client, distinguished("root"), traversal="Deep", base="IdOnly",
                    uris=("folder:ParentFolderId", "folder:DisplayName"))
    listed = r.xpath("//t:Folders/*")
    assert len(listed) == len(PRIMARY) - 1  # everything but the root itself (the archive is a tree of its own)
    seen = {folder_id(client, "root")}
    for f in listed:
        assert f.find("{*}ParentFolderId").get("Id") in seen  # a parent always comes before its children
        seen.add(f.find("{*}FolderId").get("Id"))
    assert names(r) == deep_names("root")


def test_soft_deleted_traversal_finds_nothing(client: Client) -> None:
    r = find_folder(client, distinguished("root"), traversal="SoftDeleted")
    assert r.xpath("//m:RootFolder/@TotalItemsInView") == ["0"] and names(r) == []


def test_indexed_paging_walks_every_folder_once(client: Client) -> None:
    pages, offset = [], 0
    while True:
        r = find_folder(client, distinguished("msgfolderroot"),
                        view=f'<m:IndexedPageFolderView MaxEntriesReturned="4" Offset="{offset}" BasePoint="Beginning"/>')
        (root,) = r.xpath("//m:RootFolder")
        pages.append(names(r))
        offset = int(root.get("IndexedPagingOffset"))
        assert root.get("TotalItemsInView") == str(len(TOIS_NAMES))
        if root.get("IncludesLastItemInRange") == "true":
            break
    assert [len(p) for p in pages] == [4] * (len(TOIS_NAMES) // 4) + [len(TOIS_NAMES) % 4] * bool(len(TOIS_NAMES) % 4)
    assert sum(pages, []) == TOIS_NAMES


def test_paging_from_the_end(client: Client) -> None:
    r = find_folder(client, distinguished("msgfolderroot"),
                    view='<m:IndexedPageFolderView MaxEntriesReturned="3" Offset="2" BasePoint="End"/>')
    assert names(r) == TOIS_NAMES[-5:-2]
    (root,) = r.xpath("//m:RootFolder")
    # the next page from the end starts 5 folders before the end, and the first folder is not reached yet
    assert (root.get("IndexedPagingOffset"), root.get("IncludesLastItemInRange")) == ("5", "false")


def test_fractional_paging(client: Client) -> None:
    r = find_folder(client, distinguished("msgfolderroot"),
                    view='<m:FractionalPageFolderView MaxEntriesReturned="3" Numerator="1" Denominator="2"/>')
    start = len(TOIS_NAMES) // 2
    assert names(r) == TOIS_NAMES[start:start + 3]
    (root,) = r.xpath("//m:RootFolder")
    assert (root.get("NumeratorOffset"), root.get("AbsoluteDenominator")) == (str(start + 3), str(len(TOIS_NAMES)))


@pytest.mark.parametrize(("view", "code"), [
    ('<m:IndexedPageFolderView MaxEntriesReturned="0" Offset="0" BasePoint="Beginning"/>',
     "ErrorInvalidPagingMaxRows"),
    ('<m:IndexedPageFolderView Offset="-1" BasePoint="Beginning"/>', "ErrorInvalidIndexedPagingParameters"),
    ('<m:FractionalPageFolderView Numerator="3" Denominator="2"/>', "ErrorInvalidFractionalPagingParameters"),
])
def test_bad_paging_parameters_fail_in_band(client: Client, view: str, code: str) -> None:
    assert find_folder(client, distinguished("msgfolderroot"), view=view).codes() == [code]


def test_one_message_per_parent(client: Client) -> None:
    r = find_folder(client, distinguished("recoverableitemsroot"), distinguished("voicemail"),
                    distinguished("tasks"))
    assert r.codes() == ["NoError", "ErrorFolderNotFound", "NoError"]
    recoverable = sorted((f.name for f in TREE if f.parent == "recoverableitemsroot"), key=str.casefold)
    assert r.xpath("//m:RootFolder/@TotalItemsInView") == [str(len(recoverable)), "0"]
    assert names(r) == recoverable == ["Audits", "Calendar Logging", "Deletions", "DiscoveryHolds", "Purges",
                                       "Versions"]


def _eq(uri: str, value: str, op: str = "IsEqualTo") -> str:
    return (f'<t:{op}><t:FieldURI FieldURI="{uri}"/><t:FieldURIOrConstant><t:Constant Value="{value}"/>'
            f"</t:FieldURIOrConstant></t:{op}>")


def _contains(value: str, mode: str, comparison: str, uri: str = "folder:DisplayName") -> str:
    return (f'<t:Contains ContainmentMode="{mode}" ContainmentComparison="{comparison}">'
            f'<t:FieldURI FieldURI="{uri}"/><t:Constant Value="{value}"/></t:Contains>')


@pytest.mark.parametrize(("restriction", "expected"), [
    (_eq("folder:DisplayName", "tasks"), ["Tasks"]),  # property comparisons ignore case
    (_eq("folder:FolderClass", "IPF.Note", "IsNotEqualTo"),  # and a folder without a class matches nothing
     ["Calendar", "Contacts", "Conversation Action Settings", "ExternalContacts", "Files", "Journal", "Notes",
      "PersonMetadata", "RSS Feeds", "Tasks"]),
    (_contains("ITEMS", "Substring", "IgnoreCase"), ["Deleted Items", "Sent Items"]),
    (_contains("ITEMS", "Substring", "Exact"), []),
    (_contains("Items", "FullString", "Exact"), []),
    (_contains("Sent Items", "FullString", "Exact"), ["Sent Items"]),
    (_contains("Jo", "Prefixed", "Exact"), ["Journal"]),
    (_contains("em", "PrefixOnWords", "IgnoreCase"), ["Junk Email"]),
    (_contains("items", "ExactPhrase", "IgnoreCase"), ["Deleted Items", "Sent Items"]),
    (_contains("IPF.Task", "Prefixed", "Exact", uri="folder:FolderClass"), ["Tasks"]),
    (f"<t:And>{_eq('folder:FolderClass', 'IPF.Note')}<t:Not>{_contains('box', 'Substring', 'Exact')}</t:Not></t:And>",
     ["Archive", "Deleted Items", "Drafts", "Junk Email", "Sent Items", "Social Activity Notifications",
      "Sync Issues", "Yammer Root"]),
    (f"<t:Or>{_eq('folder:DisplayName', 'Notes')}{_eq('folder:DisplayName', 'Drafts')}</t:Or>", ["Drafts", "Notes"]),
    (_eq("folder:DisplayName", "N", "IsLessThan"), ["Archive", "Calendar", "Contacts",
                                                     "Conversation Action Settings", "Conversation History",
                                                     "Deleted Items", "Drafts", "ExternalContacts", "Files",
                                                     "Inbox", "Journal", "Junk Email"]),
])
def test_restrictions_on_name_and_class(client: Client, restriction: str, expected: list[str]) -> None:
    r = find_folder(client, distinguished("msgfolderroot"), restriction=restriction)
    assert r.codes() == ["NoError"]
    assert names(r) == expected
    assert r.xpath("//m:RootFolder/@TotalItemsInView") == [str(len(expected))]


def test_restrictions_on_counts_and_existence(client: Client) -> None:
    create_task(client, "one")
    busy = find_folder(client, distinguished("root"), traversal="Deep",
                       restriction=_eq("folder:TotalCount", "0", "IsGreaterThan"))
    assert names(busy) == ["Tasks"]
    classless = find_folder(client, distinguished("root"), traversal="Deep",
                            restriction='<t:Not><t:Exists><t:FieldURI FieldURI="folder:FolderClass"/></t:Exists></t:Not>')
    assert names(classless) == deep_names("root", lambda f: f.folder_class is None)
    assert {"Top of Information Store", "Finder", "Common Views", "Conflicts"} <= set(names(classless))


def _matches(restriction: str, view: FolderView) -> bool:
    ns = 'xmlns:m="{m}" xmlns:t="{t}"'.format(m=NS["m"], t=NS["t"])
    return folder_restriction(etree.fromstring(f"<m:Restriction {ns}>{restriction}</m:Restriction>"))(view)


@pytest.mark.parametrize(("restriction", "expected"), [
    (_contains("cafe", "Prefixed", "IgnoreCaseAndNonSpacingCharacters"), True),
    (_contains("cafe", "Prefixed", "IgnoreCase"), False),
    (_contains("CAFÉ", "Prefixed", "LooseAndIgnoreCase"), True),
    (_contains("Cafe", "Prefixed", "IgnoreNonSpacingCharacters"), True),
    (_contains("Cafe", "Prefixed", "Exact"), False),
    ('<t:Excludes><t:FieldURI FieldURI="folder:TotalCount"/><t:Bitmask Value="0x4"/></t:Excludes>', True),
    ('<t:Excludes><t:FieldURI FieldURI="folder:TotalCount"/><t:Bitmask Value="2"/></t:Excludes>', False),
    ('<t:IsEqualTo><t:FieldURI FieldURI="folder:TotalCount"/><t:FieldURIOrConstant>'
     '<t:FieldURI FieldURI="folder:ChildFolderCount"/></t:FieldURIOrConstant></t:IsEqualTo>', True),
])
def test_restriction_comparisons(restriction: str, expected: bool) -> None:
    """Accents and bit masks, on a folder the store cannot create yet (there is no CreateFolder)."""
    folder = Folder("id", "alice@example.com", None, None, "Café Notes", "IPF.StickyNote", 1)
    assert _matches(restriction, FolderView(folder, None, total_count=3, child_folder_count=3)) is expected


@pytest.mark.parametrize(("restriction", "code"), [
    (_eq("item:Subject", "x"), "ErrorUnsupportedPathForQuery"),
    (_eq("folder:TotalCount", "many"), "ErrorInvalidValueForProperty"),
    (_contains("1", "Substring", "Exact", uri="folder:TotalCount"), "ErrorInvalidRestriction"),
])
def test_unsupported_restrictions_fail_in_band_naming_the_path(client: Client, restriction: str, code: str) -> None:
    r = find_folder(client, distinguished("msgfolderroot"), restriction=restriction)
    assert r.codes() == [code]
    assert r.xpath("//m:MessageXml/t:FieldURI/@FieldURI") == [re.search(r'FieldURI="([^"]+)"', restriction)[1]]
    assert r.xpath("//m:RootFolder") == []


# ---- exchangelib over real HTTP ----------------------------------------------------------------------------


@pytest.fixture
def account() -> Iterator[object]:
    from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    from ewsemu.server.http import ThreadedServer

    logging.getLogger("exchangelib").setLevel(logging.WARNING)
    with ThreadedServer(port=0, database="sqlite://") as server:
        config = Configuration(service_endpoint=server.url, credentials=Credentials("alice@example.com", "secret"),
                               auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
        try:
            yield Account("alice@example.com", config=config, autodiscover=False, access_type=DELEGATE)
        finally:
            close_connections()


def test_exchangelib_default_folders(account) -> None:
    from exchangelib.folders import Calendar, Contacts, Inbox, Root, Tasks

    # the root's DisplayName is empty, as Exchange's: exchangelib then names it after its distinguished id
    assert isinstance(account.root, Root) and account.root.name == "root"
    assert isinstance(account.tasks, Tasks) and account.tasks.folder_class == "IPF.Task"
    assert account.tasks.total_count == 0 and account.tasks.unread_count == 0
    assert account.tasks.parent_folder_id.id == account.root.tois.id
    assert (type(account.inbox), type(account.calendar), type(account.contacts)) == (Inbox, Calendar, Contacts)
    assert [p.permission_level for p in account.tasks.permission_set.permissions] == ["None", "None"]


def test_exchangelib_walks_the_hierarchy(account) -> None:
    from exchangelib.folders import SingleFolderQuerySet

    assert sorted(f.name for f in account.root.tois.children) == sorted(TOIS_NAMES)
    assert len(list(account.root.walk())) == len(PRIMARY) - 1
    assert (account.root / "Top of Information Store" / "Tasks").id == account.tasks.id
    found = SingleFolderQuerySet(account=account, folder=account.root).filter(name__contains="Sent")
    assert [f.name for f in found] == ["Sent Items"]


def test_public_folders_are_not_available(client: Client) -> None:
    """Exchange Online without public folders: GetFolder and FindFolder on publicfoldersroot answer
    ErrorNoPublicFolderReplicaAvailable (exchangelib's test_public_folders_root expects exactly this)."""
    for body in ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
                 '<t:DistinguishedFolderId Id="publicfoldersroot"/></m:FolderIds></m:GetFolder>',
                 '<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>'
                 '<m:ParentFolderIds><t:DistinguishedFolderId Id="publicfoldersroot"/></m:ParentFolderIds>'
                 "</m:FindFolder>"):
        assert call(client, body).codes() == ["ErrorNoPublicFolderReplicaAvailable"]
