"""The folder tree of a new mailbox (issue 15): every default folder with its name, FolderClass, parent and
distinguished id, in English and Danish (MailboxCulture, the --mailbox-language setting), the archive, exact
counts, the query budget of GetFolder and mailbox creation, and exchangelib 5.6.0 walking it over real HTTP.

Every response body is validated against our wsdl/ and Microsoft's schema once the module has run.
"""
from __future__ import annotations

import logging
from typing import Iterator

import pytest
from sqlalchemy import event

from ewsemu.core.clock import Clock
from ewsemu.core.folder_names import NAMES, language_of, localized
from ewsemu.core.folder_tree import BY_KEY, DISTINGUISHED_IDS, TREE, deletion_refusal
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer
from ewsemu.server.wsgi import make_app

from ..harness import RSV, Ews, Ref, ews, schema_valid_responses, set_field  # noqa: F401 (fixtures)
from ..soap import Client, Response
from .folder_oracle import ARCHIVE, PRIMARY, deep

ALICE, BOB = "alice@example.com", "bob@example.com"
_SHAPE = ('<m:FolderShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties>'
          '<t:FieldURI FieldURI="folder:DistinguishedFolderId"/></t:AdditionalProperties></m:FolderShape>')


def danish(rsv: str = RSV) -> str:
    return f"{rsv}<t:MailboxCulture>da-DK</t:MailboxCulture>"


def dist(key: str) -> str:
    return f'<t:DistinguishedFolderId Id="{key}"/>'


def find_deep(ews: Ews, parent: str, headers: str | None = None, user: str | None = None) -> Response:
    r = ews.call(f'<m:FindFolder Traversal="Deep">{_SHAPE}<m:ParentFolderIds>{dist(parent)}</m:ParentFolderIds>'
                 "</m:FindFolder>", headers, user)
    assert r.codes() == ["NoError"], r.body
    return r


def get_folders(ews: Ews, *keys: str, headers: str | None = None, user: str | None = None) -> Response:
    return ews.call(f"<m:GetFolder>{_SHAPE}<m:FolderIds>{''.join(dist(k) for k in keys)}</m:FolderIds>"
                    "</m:GetFolder>", headers, user)


def listed(r: Response) -> list[tuple[str, str | None, str | None, str | None]]:
    """(DisplayName, FolderClass, parent's name, DistinguishedFolderId) of each folder, in order."""
    folders = r.xpath("//t:Folders/* | //m:Folders/*")
    names = {f.find("{*}FolderId").get("Id"): f.findtext("{*}DisplayName") for f in folders}
    def parent(f) -> str | None:  # noqa: ANN001
        el = f.find("{*}ParentFolderId")
        return names.get(el.get("Id"), "(outside)") if el is not None else None  # a root has none

    return [(f.findtext("{*}DisplayName"), f.findtext("{*}FolderClass"), parent(f),
             f.findtext("{*}DistinguishedFolderId")) for f in folders]


def expected(parent: str, language: str = "en") -> list[tuple[str, str | None, str | None, str | None]]:
    out = []
    for f in deep(parent, language):
        up = BY_KEY[f.parent]
        shown = localized(up.name, language) if f.parent != parent else "(outside)"
        out.append((localized(f.name, language), f.folder_class, shown, f.key if f.distinguished else None))
    return out


# ---- the table itself ----------------------------------------------------------------------------------------


def test_the_table_is_a_tree_with_unique_keys_and_sibling_names() -> None:
    assert len(BY_KEY) == len(TREE)
    seen: set[str] = set()
    for f in TREE:
        assert f.parent is None or f.parent in seen, f  # parents first
        seen.add(f.key)
    for language in NAMES:
        for parent in {f.parent for f in TREE} - {None}:
            siblings = [localized(f.name, language).casefold() for f in TREE if f.parent == parent]
            assert len(siblings) == len(set(siblings)), (language, parent)
    assert len(PRIMARY) > 70 and [f.key for f in ARCHIVE][0] == "archiveroot"


def test_every_default_folder_refuses_deletion_with_exchanges_code() -> None:
    codes = {f.key: deletion_refusal(f.key).code for f in TREE}
    assert codes["inbox"] == codes["archiveinbox"] == codes["recoverableitemsdeletions"] == \
        "ErrorDeleteDistinguishedFolder"
    assert codes["commonviews"] == codes["galcontacts"] == codes["birthdays"] == "ErrorCannotDeleteObject"
    assert {k for k, c in codes.items() if c == "ErrorDeleteDistinguishedFolder"} == DISTINGUISHED_IDS
    assert deletion_refusal(None) is None  # a folder of the user's own


@pytest.mark.parametrize(("culture", "language"), [("da-DK", "da"), ("da_DK", "da"), ("DE", "de"),
                                                   ("fr-CA", "fr"), ("es-ES", "es"), ("en-GB", "en"),
                                                   ("ja-JP", None), ("", None), (None, None)])
def test_cultures_map_to_the_languages_with_names(culture: str | None, language: str | None) -> None:
    assert language_of(culture) == language


# ---- the tree over the wire ------------------------------------------------------------------------------------


@pytest.mark.parametrize("parent", ["root", "msgfolderroot", "recoverableitemsroot", "contacts"])
def test_deep_find_lists_the_whole_tree_in_english(ews: Ews, parent: str) -> None:
    assert listed(find_deep(ews, parent)) == expected(parent)


def test_the_roots_have_no_name_no_class_no_parent(ews: Ews) -> None:
    r = get_folders(ews, "root", "archiveroot", "msgfolderroot")
    assert r.codes() == ["NoError"] * 3
    root, archive, tois = r.xpath("//m:Folders/*")
    for el in (root, archive):
        assert (el.findtext("{*}DisplayName"), el.find("{*}FolderClass"), el.find("{*}ParentFolderId")) == \
            ("", None, None)
    assert tois.find("{*}ParentFolderId").get("Id") == root.find("{*}FolderId").get("Id")


def test_system_folders_have_no_distinguished_id_and_cannot_be_named_by_their_key(ews: Ews) -> None:
    r = find_deep(ews, "root")
    shown = {name: did for name, _, _, did in listed(r)}
    assert shown["Common Views"] is None and shown["GAL Contacts"] is None and shown["Birthdays"] is None
    assert shown["Finder"] == "searchfolders" and shown["Yammer Root"] == "yammerroot"
    assert set(shown.values()) - {None} == {f.key for f in PRIMARY if f.distinguished} - {"root"}


def test_public_folders_root_has_no_replica(ews: Ews) -> None:
    """As Exchange Online answers a mailbox without public folders (exchangelib suppresses exactly this)."""
    r = get_folders(ews, "publicfoldersroot", "voicemail", "directory", "inbox")
    assert r.codes() == ["ErrorNoPublicFolderReplicaAvailable", "ErrorFolderNotFound", "ErrorFolderNotFound",
                         "NoError"]


def test_danish_from_the_first_requests_mailbox_culture(ews: Ews) -> None:
    """D42: a mailbox's folders are named in its first request's MailboxCulture; ids never change with it."""
    english = get_folders(ews, "inbox", "calendar", user=BOB)  # bob's mailbox exists now, in English
    first = find_deep(ews, "root", headers=danish(), user=ALICE)
    assert listed(first) == expected("root", "da")
    assert ("Fødselsdage", "IPF.Appointment.Birthday", "Kalender", None) in listed(first)
    again = find_deep(ews, "msgfolderroot", user=ALICE)  # no header now: the names stay
    assert listed(again) == expected("msgfolderroot", "da")
    later = get_folders(ews, "inbox", "calendar", headers=danish(), user=BOB)  # too late for bob
    assert [n for n, *_ in listed(later)] == [n for n, *_ in listed(english)] == ["Inbox", "Calendar"]


def test_names_change_nothing_else(ews: Ews) -> None:
    """A Danish mailbox has the same folders, classes and distinguished ids; and a mailbox's ids and names stay
    whatever culture a later request names."""
    dk = listed(find_deep(ews, "root", headers=danish(), user=BOB))
    en = listed(find_deep(ews, "root", user=ALICE))
    assert sorted((c or "", d or "") for _, c, _, d in dk) == sorted((c or "", d or "") for _, c, _, d in en)
    plain = get_folders(ews, "inbox", "root", user=BOB)
    other = get_folders(ews, "inbox", "root", headers=f"{RSV}<t:MailboxCulture>fr-FR</t:MailboxCulture>", user=BOB)
    assert plain.xpath("//t:FolderId/@Id") == other.xpath("//t:FolderId/@Id")
    assert listed(plain) == listed(other) and listed(plain)[0][0] == "Indbakke"


@pytest.fixture
def danish_server_ews(database_url: str, clock: Clock) -> Iterator[Ews]:
    """An emulator whose mailboxes are Danish unless their first request says otherwise."""
    emu = Emulator(Settings(database=database_url, seed=7, mailbox_language="da-DK"), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield Ews(Client(make_app(emu)))
    emu.close()


def test_the_servers_mailbox_language(danish_server_ews: Ews) -> None:
    ews = danish_server_ews
    assert listed(find_deep(ews, "msgfolderroot")) == expected("msgfolderroot", "da")
    german = find_deep(ews, "msgfolderroot", headers=f"{RSV}<t:MailboxCulture>de-DE</t:MailboxCulture>", user=BOB)
    assert listed(german) == expected("msgfolderroot", "de")
    unknown = find_deep(ews, "msgfolderroot", headers=f"{RSV}<t:MailboxCulture>ja-JP</t:MailboxCulture>",
                        user="carol@example.com")
    assert listed(unknown) == expected("msgfolderroot", "da")  # no names for it: the server's language


# ---- the archive -----------------------------------------------------------------------------------------------


def test_the_archive_is_a_hierarchy_of_its_own(ews: Ews) -> None:
    keys = [f.key for f in ARCHIVE]
    r = get_folders(ews, *keys)
    assert r.codes() == ["NoError"] * len(keys)
    assert r.xpath("//t:DistinguishedFolderId/text()") == keys
    assert listed(find_deep(ews, "archiveroot")) == expected("archiveroot")
    assert [n for n, *_ in listed(find_deep(ews, "archivemsgfolderroot"))] == ["Deleted Items", "Inbox"]
    primary = {f.findtext("{*}FolderId") for f in find_deep(ews, "root").xpath("//t:Folders/*")}
    archive_ids = set(r.xpath("//m:Folders/*/t:FolderId/@Id"))
    assert primary.isdisjoint(archive_ids)
    # a FolderId of an archive folder resolves like any other
    inbox_id = r.xpath("//m:Folders/*[t:DistinguishedFolderId='archiveinbox']/t:FolderId/@Id")[0]
    again = ews.call(f'<m:GetFolder>{_SHAPE}<m:FolderIds><t:FolderId Id="{inbox_id}"/></m:FolderIds></m:GetFolder>')
    assert listed(again) == [("Inbox", "IPF.Note", "(outside)", "archiveinbox")]


def test_the_archive_is_named_in_the_mailbox_language(ews: Ews) -> None:
    r = get_folders(ews, "archivemsgfolderroot", "archiveinbox", "archivedeleteditems", headers=danish(), user=BOB)
    assert [n for n, *_ in listed(r)] == ["Informationslagerets øverste niveau", "Indbakke", "Slettet post"]


# ---- counts --------------------------------------------------------------------------------------------------


def counts(ews: Ews, *keys: str) -> dict[str, tuple[str, str, str | None]]:
    """(TotalCount, ChildFolderCount, UnreadCount or None) by distinguished id, from one GetFolder."""
    r = get_folders(ews, *keys)
    assert r.codes() == ["NoError"] * len(keys), r.body
    return {f.findtext("{*}DistinguishedFolderId"): (f.findtext("{*}TotalCount"), f.findtext("{*}ChildFolderCount"),
                                                       f.findtext("{*}UnreadCount"))
            for f in r.xpath("//m:Folders/*")}


def message(ews: Ews, folder: str, read: bool) -> Ref:
    return ews.create("Message", f"<t:Subject>m</t:Subject><t:IsRead>{str(read).lower()}</t:IsRead>",
                      md="SaveOnly", folder=dist(folder))


def test_child_folder_counts_of_the_whole_tree(ews: Ews) -> None:
    r = find_deep(ews, "root")
    for f in r.xpath("//t:Folders/*"):
        key = next(d.key for d in PRIMARY if localized(d.name, "en") == f.findtext("{*}DisplayName")
                   and d.folder_class == f.findtext("{*}FolderClass"))
        assert f.findtext("{*}ChildFolderCount") == str(sum(d.parent == key for d in TREE)), key
        assert (f.findtext("{*}TotalCount"), f.findtext("{*}UnreadCount") or "0") == ("0", "0")


def test_counts_follow_items_being_created_read_and_deleted(ews: Ews) -> None:
    keys = ("inbox", "tasks", "msgfolderroot", "contacts", "calendar", "archiveinbox")
    assert counts(ews, *keys) == {"inbox": ("0", "0", "0"), "tasks": ("0", "0", "0"),
                                  "msgfolderroot": ("0", str(sum(f.parent == "msgfolderroot" for f in TREE)), "0"),
                                  "contacts": ("0", "5", None), "calendar": ("0", "1", None),
                                  "archiveinbox": ("0", "0", "0")}
    unread = [message(ews, "inbox", read=False) for _ in range(3)]
    message(ews, "inbox", read=True)
    ews.create("Task", "<t:Subject>t</t:Subject>", folder=dist("tasks"))
    message(ews, "archiveinbox", read=False)
    now = counts(ews, "inbox", "tasks", "archiveinbox", "msgfolderroot")
    assert (now["inbox"], now["tasks"], now["archiveinbox"]) == (("4", "0", "3"), ("1", "0", "0"), ("1", "0", "1"))
    assert now["msgfolderroot"][0] == "0"  # items in subfolders are not the parent's
    r = ews.update(unread[0], set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "Message"), md="SaveOnly")
    assert r.codes() == ["NoError"], r.body
    assert counts(ews, "inbox")["inbox"] == ("4", "0", "2")
    for ref in unread[1:]:
        assert ews.delete(ref).codes() == ["NoError"]
    assert counts(ews, "inbox")["inbox"] == ("2", "0", "0")


# ---- what it costs ----------------------------------------------------------------------------------------------


@pytest.fixture
def statements(emulator: Emulator) -> Iterator[list[str]]:
    """The SQL statements the store sends through SQLAlchemy (the hot path's raw-cursor ones are not seen)."""
    sent: list[str] = []

    def listener(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        sent.append(statement)

    event.listen(emulator.store.engine, "before_cursor_execute", listener)
    yield sent
    event.remove(emulator.store.engine, "before_cursor_execute", listener)


def test_getfolder_costs_the_same_for_one_folder_and_for_thirty(ews: Ews, statements: list[str]) -> None:
    get_folders(ews, "inbox")  # the mailbox is created first
    statements.clear()
    get_folders(ews, "inbox")
    one = len(statements)
    statements.clear()
    keys = sorted(DISTINGUISHED_IDS)[:30]
    assert get_folders(ews, *keys).codes() == ["NoError"] * 30
    assert len(statements) == one
    assert sum("FROM items" in s for s in statements) == 1  # TotalCount and UnreadCount of all thirty


def test_a_new_mailbox_is_one_folder_insert(ews: Ews, statements: list[str]) -> None:
    get_folders(ews, "inbox", user="dora@example.com")
    inserts = [s for s in statements if s.startswith("INSERT INTO folders")]
    assert len(inserts) == 1


# ---- exchangelib over real HTTP --------------------------------------------------------------------------------


@pytest.fixture
def exchangelib_account(request: pytest.FixtureRequest, database_url: str) -> Iterator[object]:
    """An exchangelib Account with ``locale`` against a server whose mailbox language is ``language``."""
    from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import close_connections

    language, locale = request.param
    logging.getLogger("exchangelib").setLevel(logging.WARNING)
    settings = Settings(database=database_url, mailbox_language=language)
    with ThreadedServer(port=0, settings=settings) as server:
        if database_url != "sqlite://":
            server.emulator.reset()
        config = Configuration(service_endpoint=server.url, credentials=Credentials(ALICE, "secret"),
                               auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
        try:
            yield Account(ALICE, config=config, autodiscover=False, access_type=DELEGATE, locale=locale)
        finally:
            close_connections()


def grouping_failures(account) -> list[str]:
    """exchangelib's test_folder_grouping, as a list of the folders it would fail on: a folder is distinguished
    exactly when its class has a distinguished id, and has its class's FolderClass (a generic folder none)."""
    from exchangelib.folders import Folder

    failed = []
    for f in account.root.walk():
        if bool(f.is_distinguished) != bool(f.DISTINGUISHED_FOLDER_ID):
            failed.append(f"{f.name}: distinguished")
        wanted = (None, "IPF") if type(f) is Folder else (type(f).CONTAINER_CLASS,)
        if f.folder_class not in wanted and not (type(f).CONTAINER_CLASS is None and f.folder_class is None):
            failed.append(f"{f.name}: {type(f).__name__} with {f.folder_class}")
    return failed


@pytest.mark.parametrize("exchangelib_account", [("en-US", "en_US"), ("da-DK", "da_DK")], indirect=True)
def test_exchangelib_groups_every_folder(exchangelib_account) -> None:
    """With the mailbox's language matching exchangelib's locale, every folder gets its own class."""
    assert grouping_failures(exchangelib_account) == []


@pytest.mark.parametrize("exchangelib_account", [("en-US", "da_DK")], indirect=True)
def test_why_the_mailbox_language_matters(exchangelib_account) -> None:
    """exchangelib's own harness (locale da_DK) against English names: two folders are taken for generic ones."""
    assert sorted(grouping_failures(exchangelib_account)) == ["Birthdays: Folder with IPF.Appointment.Birthday",
                                                              "Files: Folder with IPF.Files"]


@pytest.mark.parametrize("exchangelib_account", [("da-DK", "da_DK")], indirect=True)
def test_exchangelib_walks_the_danish_tree(exchangelib_account) -> None:
    from exchangelib.folders import Birthdays, CommonViews, Files, GALContacts, Messages
    from exchangelib.folders.known_folders import NON_DELETABLE_FOLDERS, WELLKNOWN_FOLDERS_IN_ROOT

    account = exchangelib_account
    walked = list(account.root.walk())
    assert len(walked) == len(PRIMARY) - 1 > 40  # test_find_folders wants more than 40
    assert account.root.name == "root" and account.calendar.parent.parent.name == "root"
    assert [p.name for p in account.calendar.parts] == ["root", "Informationslagerets øverste niveau", "Kalender"]
    assert (account.inbox.name, account.trash.name, account.junk.name) == ("Indbakke", "Slettet post",
                                                                           "Uønsket e-mail")
    assert isinstance(account.root / "Common Views", CommonViews)
    assert len(list(account.contacts.glob("GAL*"))) == 1 and isinstance(account.contacts / "GAL Contacts",
                                                                         GALContacts)
    assert isinstance(account.calendar / "Fødselsdage", Birthdays)
    assert isinstance(account.root.tois / "Filer", Files) and isinstance(account.root.tois / "Arkiv", Messages)
    assert account.trash.children.all().count() == 0
    undeletable = [f for f in walked if f.__class__ in NON_DELETABLE_FOLDERS + WELLKNOWN_FOLDERS_IN_ROOT]
    assert len(undeletable) > 50 and all(not f.is_deletable for f in undeletable)
    tois = account.root.tois.name
    assert len([f for f in walked if f.name == tois]) == 1 and len([f for f in walked
                                                                      if f.name.startswith(tois[:6])]) == 1


@pytest.mark.parametrize("exchangelib_account", [("en-US", "en_US")], indirect=True)
def test_exchangelib_walks_the_archive(exchangelib_account) -> None:
    from exchangelib.folders import ArchiveInbox, ArchiveMsgFolderRoot, ArchiveRecoverableItemsDeletions

    account = exchangelib_account
    assert isinstance(account.archive_inbox, ArchiveInbox)
    assert isinstance(account.archive_msg_folder_root, ArchiveMsgFolderRoot)
    assert isinstance(account.archive_recoverable_items_deletions, ArchiveRecoverableItemsDeletions)
    assert sorted(f.name for f in account.archive_root.walk()) == sorted(f.name for f in ARCHIVE[1:])
    assert account.archive_inbox.parent.id == account.archive_msg_folder_root.id
    assert account.archive_inbox.id not in {f.id for f in account.root.walk()}


# ---- where the language comes from besides MailboxCulture -------------------------------------------------------


def test_the_mailbox_language_option(monkeypatch: pytest.MonkeyPatch) -> None:
    from ewsemu import cli

    captured: dict[str, object] = {}

    def serve(args: object) -> int:
        captured["args"] = args
        return 0

    monkeypatch.setattr(cli, "_serve", serve)
    cli.main(["serve", "--database", "sqlite://", "--mailbox-language", "da-DK"])
    assert cli._settings(captured["args"]).mailbox_language == "da-DK"
    cli.main(["serve", "--database", "sqlite://"])
    assert language_of(cli._settings(captured["args"]).mailbox_language) == "en"
    with pytest.raises(SystemExit):
        cli.main(["serve", "--database", "sqlite://", "--mailbox-language", "tlh-Kl"])  # no names for it


def test_a_fixture_mailbox_names_its_language(emulator: Emulator, ews: Ews) -> None:
    from ewsemu.double import fixtures

    fixtures.load(emulator, {"mailboxes": [{"smtp": "Eve@example.com", "language": "es-ES"}]})
    r = get_folders(ews, "inbox", "msgfolderroot", user="eve@example.com")
    assert [n for n, *_ in listed(r)] == ["Bandeja de entrada", "Principio del almacén de información"]
