"""Authentication, mailbox isolation, impersonation, delegate access and the request log (issue 6).

With a users file nobody gets in without a valid password or token, and nobody sees another mailbox's items
or folders unless the file grants it; without one (the open default) every mailbox is open to everyone, as
the README says. Isolation is checked operation by operation, and "not yours" must be indistinguishable from
"does not exist": the same ResponseCode, MessageText and counts.
"""
from __future__ import annotations

import base64
import logging

import pytest
import yaml

from ewsemu import cli
from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.auth import OpenAuthenticator, UsersAuthenticator
from ewsemu.server.wsgi import make_app
from ewsemu.core.users import User, UsersFileError, load_users, parse_users

from ..hostile import USERS_YAML, UsersClient, basic, create_task, directory, get_item_xml, impersonation, raw
from ..soap import Client, envelope, ews_validate

ALICE, BOB, CAROL, ADMIN = "alice@example.com", "bob@example.com", "carol@example.com", "admin@example.com"
GET_ROOT = ('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
            '<t:DistinguishedFolderId Id="root"/></m:FolderIds></m:GetFolder>')
UNKNOWN_ITEM = "AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"  # well-formed: the item header, no such item


@pytest.fixture
def users_emulator(database_url: str, clock: Clock):
    emu = Emulator(Settings(database=database_url, seed=7, users=directory()), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield emu
    emu.close()


@pytest.fixture
def app(users_emulator: Emulator):
    return make_app(users_emulator)


@pytest.fixture
def users(app) -> UsersClient:
    return UsersClient(app)


def get_item(client: Client, item_id: str, user: str, headers: str | None = None):
    return client.call('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                       f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>', headers=headers, user=user)


def folder(name: str, mailbox: str | None = None) -> str:
    box = f"<t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox>" if mailbox else ""
    return f'<t:DistinguishedFolderId Id="{name}">{box}</t:DistinguishedFolderId>'


def get_folder(client: Client, folder_xml: str, user: str, headers: str | None = None):
    return client.call('<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape>'
                       f'<m:FolderIds>{folder_xml}</m:FolderIds></m:GetFolder>', headers=headers, user=user)


def find_items(client: Client, folder_xml: str, user: str, headers: str | None = None):
    return client.call('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
                       '<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>'
                       '</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" '
                       f'BasePoint="Beginning"/><m:ParentFolderIds>{folder_xml}</m:ParentFolderIds></m:FindItem>',
                       headers=headers, user=user)


def subjects(r) -> list[str]:
    return sorted(r.xpath("//t:Subject/text()"))


def tasks_folder_id(client: Client, user: str) -> str:
    return get_folder(client, folder("tasks"), user).xpath("//t:FolderId/@Id")[0]


# ---- authentication -------------------------------------------------------------------------------------------


def test_open_default_accepts_any_basic_credentials_and_the_anchor_mailbox(client: Client) -> None:
    app = client.app
    assert raw(app, envelope(GET_ROOT), authorization=basic(ALICE, "anything")).status == 200
    assert raw(app, envelope(GET_ROOT), headers={"X-AnchorMailbox": BOB}).status == 200
    denied = raw(app, envelope(GET_ROOT))
    assert denied.status == 401
    assert denied.header_list.count(("WWW-Authenticate", 'Basic realm="ewsemu"')) == 1
    assert isinstance(app.authenticator, OpenAuthenticator)


def test_users_file_picks_the_users_authenticator(app) -> None:
    assert isinstance(app.authenticator, UsersAuthenticator)


@pytest.mark.parametrize("authorization", [
    None,
    basic(ALICE, "wrong"),
    basic(ALICE, ""),
    basic(ALICE, "bob-pw"),                   # another user's password
    basic("nobody@example.com", "alice-pw"),  # not in the directory
    basic("shared@example.com", ""),          # in the directory, but has no password: cannot log in
    "Basic !!!not-base64!!!",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Bearer not-a-token",
    "Bearer ",
    "Bearer alice-pw",                        # a password is not a token
    "Negotiate abc",
])
def test_users_file_refuses_bad_credentials_with_401(app, authorization: str | None) -> None:
    r = raw(app, envelope(GET_ROOT), authorization=authorization, headers={"X-AnchorMailbox": ALICE})
    assert r.status == 401 and r.body == b""
    assert r.header_list.count(("WWW-Authenticate", 'Basic realm="ewsemu"')) == 1
    assert r.header_list.count(("WWW-Authenticate", 'Bearer realm="ewsemu"')) == 1


def test_no_bearer_challenge_without_tokens(database_url: str, clock: Clock) -> None:
    plain = parse_users({"users": [{"smtp": ALICE, "password": "pw"}]})
    emu = Emulator(Settings(database=database_url, users=plain), clock)
    try:
        r = raw(make_app(emu), envelope(GET_ROOT))
        assert r.status == 401
        # Basic and the connection-based schemes (tests/faces/test_connect.py), but no Bearer of any kind
        assert [v for k, v in r.header_list if k == "WWW-Authenticate"] == ["Negotiate", "NTLM",
                                                                           'Basic realm="ewsemu"']
    finally:
        emu.close()


def test_valid_password_and_token_act_as_their_user(app, users: UsersClient) -> None:
    alice_task, _ = create_task(users, "alice's", ALICE)
    for authorization in (basic(ALICE), basic("ALICE@Example.COM", "alice-pw"), "Bearer alice-token",
                          "bearer alice-token"):
        body = envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                        f'<m:ItemIds><t:ItemId Id="{alice_task}"/></m:ItemIds></m:GetItem>')
        r = raw(app, body, authorization=authorization)
        assert r.status == 200 and r.codes() == ["NoError"], authorization
    # the admin's token is the admin, not alice: alice's item is not in the admin's mailbox
    r = raw(app, envelope('<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                          f'<m:ItemIds><t:ItemId Id="{alice_task}"/></m:ItemIds></m:GetItem>'),
            authorization="Bearer admin-token")
    assert r.codes() == ["ErrorItemNotFound"]


def test_anchor_mailbox_alone_is_not_a_login(app) -> None:
    assert raw(app, envelope(GET_ROOT), headers={"X-AnchorMailbox": ALICE}).status == 401


def test_wsdl_and_health_need_no_credentials(app) -> None:
    assert raw(app, method="GET", path="/health", content_type=None).status == 200
    assert raw(app, method="GET", path="/EWS/Services.wsdl", content_type=None).status == 200


# ---- isolation: another mailbox's ids are "not found", whatever the operation ------------------------------


@pytest.fixture(params=["users-file", "open"])
def two_mailboxes(request):
    """(client, alice's task id and ChangeKey, alice's tasks folder id) in both authentication modes."""
    c = request.getfixturevalue("users" if request.param == "users-file" else "client")
    task_id, change_key = create_task(c, "alice's secret", ALICE)
    return c, task_id, change_key, tasks_folder_id(c, ALICE)


def test_get_item_of_another_mailbox_is_not_found_exactly_like_an_unknown_id(two_mailboxes) -> None:
    c, task_id, _, _ = two_mailboxes
    theirs, unknown = get_item(c, task_id, BOB), get_item(c, UNKNOWN_ITEM, BOB)
    assert theirs.codes() == ["ErrorItemNotFound"]
    assert theirs.xpath("//m:GetItemResponseMessage") and theirs.body == unknown.body
    assert b"secret" not in theirs.body


def test_update_item_of_another_mailbox_changes_nothing(two_mailboxes) -> None:
    c, task_id, change_key, _ = two_mailboxes
    before = get_item_xml(c, task_id, ALICE)
    for key in (f' ChangeKey="{change_key}"', ""):
        r = c.call('<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges>'
                   f'<t:ItemChange><t:ItemId Id="{task_id}"{key}/><t:Updates><t:SetItemField>'
                   '<t:FieldURI FieldURI="item:Subject"/><t:Task><t:Subject>pwned</t:Subject></t:Task>'
                   '</t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>', user=BOB)
        assert r.codes() == ["ErrorItemNotFound"]
    assert get_item_xml(c, task_id, ALICE) == before


def test_delete_item_of_another_mailbox_deletes_nothing(two_mailboxes) -> None:
    c, task_id, _, _ = two_mailboxes
    for delete_type in ("HardDelete", "SoftDelete", "MoveToDeletedItems"):
        r = c.call(f'<m:DeleteItem DeleteType="{delete_type}" AffectedTaskOccurrences="AllOccurrences">'
                   f'<m:ItemIds><t:ItemId Id="{task_id}"/></m:ItemIds></m:DeleteItem>', user=BOB)
        assert r.codes() == ["ErrorItemNotFound"]
    assert get_item(c, task_id, ALICE).codes() == ["NoError"]
    assert subjects(find_items(c, folder("tasks"), ALICE)) == ["alice's secret"]


def test_create_item_into_another_mailboxs_folder_id_is_folder_not_found(two_mailboxes) -> None:
    c, _, _, alice_tasks = two_mailboxes
    r = c.call(f'<m:CreateItem><m:SavedItemFolderId><t:FolderId Id="{alice_tasks}"/></m:SavedItemFolderId>'
               '<m:Items><t:Task><t:Subject>planted</t:Subject></t:Task></m:Items></m:CreateItem>', user=BOB)
    assert r.codes() == ["ErrorFolderNotFound"]
    assert subjects(find_items(c, folder("tasks"), ALICE)) == ["alice's secret"]


def test_folder_operations_on_another_mailboxs_folder_id_are_folder_not_found(two_mailboxes) -> None:
    c, _, _, alice_tasks = two_mailboxes
    by_id = f'<t:FolderId Id="{alice_tasks}"/>'
    unknown = '<t:FolderId Id="AAEuAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"/>'
    for call in (get_folder, find_items):
        theirs, missing = call(c, by_id, BOB), call(c, unknown, BOB)
        assert theirs.codes() == ["ErrorFolderNotFound"] and theirs.body == missing.body
    r = c.call('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape>'
               f'</m:FolderShape><m:ParentFolderIds>{by_id}</m:ParentFolderIds></m:FindFolder>', user=BOB)
    assert r.codes() == ["ErrorFolderNotFound"]


def test_counts_and_searches_never_include_another_mailboxs_items(two_mailboxes) -> None:
    c, _, _, _ = two_mailboxes
    create_task(c, "bob's own", BOB)
    assert subjects(find_items(c, folder("tasks"), BOB)) == ["bob's own"]
    mine = get_folder(c, folder("tasks"), BOB)
    assert mine.xpath("//t:TotalCount/text()") == ["1"]
    deep = c.call('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape>'
                  f'</m:FolderShape><m:ParentFolderIds>{folder("root")}</m:ParentFolderIds></m:FindFolder>',
                  user=BOB)
    assert sum(int(n) for n in deep.xpath("//t:TotalCount/text()")) == 1
    ews_validate(mine.body, deep.body)


def test_convert_id_reveals_nothing_about_another_mailboxs_items(two_mailboxes) -> None:
    """ConvertId works on the id's format alone: bob learns nothing from converting alice's id."""
    c, task_id, _, _ = two_mailboxes

    def convert(item_id: str):
        return c.call('<m:ConvertId DestinationFormat="HexEntryId"><m:SourceIds><t:AlternateId Format="EwsId" '
                      f'Id="{item_id}" Mailbox="{ALICE}"/></m:SourceIds></m:ConvertId>', user=BOB)

    theirs, unknown = convert(task_id), convert(UNKNOWN_ITEM)
    assert theirs.codes() == unknown.codes() == ["NoError"]
    assert theirs.body.replace(theirs.xpath("//m:AlternateId/@Id")[0].encode(), b"") == \
        unknown.body.replace(unknown.xpath("//m:AlternateId/@Id")[0].encode(), b"")


# ---- impersonation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form,value", [
    ("PrimarySmtpAddress", ALICE), ("SmtpAddress", "Alice@Example.com"), ("PrincipalName", ALICE),
    ("SID", "S-1-5-21-1000-1000-1000-1101"), ("SID", "s-1-5-21-1000-1000-1000-1101"),
])
def test_a_user_with_the_right_impersonates_in_every_form(users: UsersClient, form: str, value: str) -> None:
    task_id, _ = create_task(users, "alice's", ALICE)
    r = get_item(users, task_id, ADMIN, headers=impersonation(value, form))
    assert r.status == 200 and r.codes() == ["NoError"], r.body
    # and what the impersonator creates lands in the impersonated mailbox
    created = users.call('<m:CreateItem><m:Items><t:Task><t:Subject>by admin</t:Subject></t:Task></m:Items>'
                         '</m:CreateItem>', headers=impersonation(value, form), user=ADMIN)
    assert created.codes() == ["NoError"]
    assert subjects(find_items(users, folder("tasks"), ALICE)) == ["alice's", "by admin"]
    assert subjects(find_items(users, folder("tasks"), ADMIN)) == []


def test_principal_name_uses_the_upn_when_the_file_gives_one(users: UsersClient) -> None:
    task_id, _ = create_task(users, "bob's", BOB)
    assert get_item(users, task_id, CAROL, headers=impersonation("bob@corp.example", "PrincipalName")).codes() \
        == ["NoError"]


@pytest.mark.parametrize("caller,form,value,code", [
    (ALICE, "PrimarySmtpAddress", BOB, "ErrorImpersonationDenied"),             # no right at all
    (ALICE, "PrimarySmtpAddress", "nobody@example.com", "ErrorImpersonationDenied"),  # ... learns nothing
    (ALICE, "SID", "S-1-5-21-1000-1000-1000-1102", "ErrorImpersonationDenied"),
    (CAROL, "PrimarySmtpAddress", ALICE, "ErrorImpersonationDenied"),            # right for bob only
    (CAROL, "PrimarySmtpAddress", "nobody@example.com", "ErrorImpersonationDenied"),
    (CAROL, "PrimarySmtpAddress", "ghost@example.com", "ErrorNonExistentMailbox"),  # named, not a user
    (ADMIN, "PrimarySmtpAddress", "nobody@example.com", "ErrorNonExistentMailbox"),
    (ADMIN, "SID", "S-1-5-21-9-9-9-9", "ErrorNonExistentMailbox"),
    (ADMIN, "PrincipalName", "nobody@corp.example", "ErrorNonExistentMailbox"),
])
def test_impersonation_refusals_are_faults(users: UsersClient, caller: str, form: str, value: str,
                                           code: str) -> None:
    task_id, _ = create_task(users, "bob's", BOB)
    r = get_item(users, task_id, caller, headers=impersonation(value, form))
    assert r.status == 500 and r.fault_code() == code and r.codes() == []


def test_impersonation_faults_are_schema_valid(users: UsersClient) -> None:
    denied = get_item(users, UNKNOWN_ITEM, ALICE, headers=impersonation(BOB))
    missing = get_item(users, UNKNOWN_ITEM, ADMIN, headers=impersonation("nobody@example.com"))
    assert (denied.fault_code(), missing.fault_code()) == ("ErrorImpersonationDenied", "ErrorNonExistentMailbox")
    ews_validate(denied.body, missing.body)


def test_impersonating_yourself_needs_no_right(users: UsersClient) -> None:
    task_id, _ = create_task(users, "alice's", ALICE)
    assert get_item(users, task_id, ALICE, headers=impersonation(ALICE)).codes() == ["NoError"]


def test_shared_mailbox_can_be_impersonated_but_not_logged_into(users: UsersClient, app) -> None:
    r = users.call('<m:CreateItem><m:Items><t:Task><t:Subject>team</t:Subject></t:Task></m:Items></m:CreateItem>',
                   headers=impersonation("shared@example.com"), user=ADMIN)
    assert r.codes() == ["NoError"]
    assert raw(app, envelope(GET_ROOT), authorization=basic("shared@example.com", "")).status == 401


def test_open_mode_impersonates_any_smtp_address_but_cannot_resolve_sids(client: Client) -> None:
    task_id, _ = create_task(client, "bob's", BOB)
    assert get_item(client, task_id, ALICE, headers=impersonation(BOB)).codes() == ["NoError"]
    assert get_item(client, task_id, ALICE, headers=impersonation(BOB, "PrincipalName")).codes() == ["NoError"]
    r = get_item(client, task_id, ALICE, headers=impersonation("S-1-5-21-1-2-3-4", "SID"))
    assert r.status == 500 and r.fault_code() == "ErrorNonExistentMailbox"
    r = get_item(client, task_id, ALICE, headers=impersonation("just-a-name"))
    assert r.fault_code() == "ErrorNonExistentMailbox"


def test_exchangelib_raises_impersonation_denied() -> None:
    from exchangelib import BASIC, IMPERSONATION, Account, Build, Configuration, Credentials, Version
    from exchangelib.errors import ErrorImpersonationDenied, ErrorNonExistentMailbox
    from exchangelib.protocol import close_connections

    from ewsemu.server.http import ThreadedServer

    with ThreadedServer(settings=Settings(database="sqlite://", users=directory())) as server:
        try:
            def account(login: str, password: str, smtp: str) -> Account:
                config = Configuration(service_endpoint=server.url, credentials=Credentials(login, password),
                                       auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
                return Account(smtp, config=config, autodiscover=False, access_type=IMPERSONATION)

            assert account(ADMIN, "admin-pw", BOB).tasks.all().count() == 0
            with pytest.raises(ErrorImpersonationDenied):
                account(ALICE, "alice-pw", BOB).tasks.all().count()
            with pytest.raises(ErrorNonExistentMailbox):
                account(ADMIN, "admin-pw", "nobody@example.com").tasks.all().count()
        finally:
            close_connections()


# ---- delegate access through t:Mailbox ------------------------------------------------------------------------


def test_delegate_access_needs_the_right(users: UsersClient) -> None:
    create_task(users, "bob's", BOB)
    assert get_folder(users, folder("tasks", BOB), ALICE).codes() == ["ErrorAccessDenied"]
    assert find_items(users, folder("tasks", BOB), ALICE).codes() == ["ErrorAccessDenied"]
    r = get_folder(users, folder("tasks", BOB), CAROL)
    assert r.codes() == ["NoError"] and r.xpath("//t:TotalCount/text()") == ["1"]
    assert get_folder(users, folder("tasks", "BOB@example.com"), ADMIN).codes() == ["NoError"]
    assert get_folder(users, folder("tasks", "nobody@example.com"), ADMIN).codes() == ["ErrorNonExistentMailbox"]
    assert get_folder(users, folder("tasks", ALICE), ALICE).codes() == ["NoError"]  # yourself, always
    ews_validate(get_folder(users, folder("tasks", BOB), ALICE).body)


def test_delegate_create_item_lands_in_the_delegated_mailbox(users: UsersClient) -> None:
    denied = users.call(f'<m:CreateItem><m:SavedItemFolderId>{folder("tasks", BOB)}</m:SavedItemFolderId>'
                        '<m:Items><t:Task><t:Subject>x</t:Subject></t:Task></m:Items></m:CreateItem>', user=ALICE)
    assert denied.codes() == ["ErrorAccessDenied"]
    create_task(users, "from carol", CAROL, folder=folder("tasks", BOB))
    assert subjects(find_items(users, folder("tasks"), BOB)) == ["from carol"]
    assert subjects(find_items(users, folder("tasks"), CAROL)) == []
    assert subjects(find_items(users, folder("tasks", BOB), CAROL)) == ["from carol"]  # the delegate sees them


def test_open_mode_opens_every_mailbox(client: Client) -> None:
    create_task(client, "bob's", BOB)
    r = get_folder(client, folder("tasks", BOB), ALICE)
    assert r.codes() == ["NoError"] and r.xpath("//t:TotalCount/text()") == ["1"]


# ---- the users file ---------------------------------------------------------------------------------------------


def test_users_file_round_trip(tmp_path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(USERS_YAML, encoding="utf-8")
    found = load_users(path)
    assert sorted(found.users) == sorted(directory().users)
    assert found.get("ALICE@example.com").sid == "S-1-5-21-1000-1000-1000-1101"
    assert found.by_principal_name("bob@corp.example").smtp == BOB
    assert found.by_principal_name(ALICE).smtp == ALICE  # default UPN is the SMTP address
    assert found.has_tokens


@pytest.mark.parametrize("entries,message", [
    ([{"password": "hunter2"}], "needs an 'smtp' address"),
    ([{"smtp": "a@x", "password": "hunter2"}, {"smtp": "A@x", "password": "hunter3"}], "listed twice"),
    ([{"smtp": "a@x", "tokens": ["tok-hunter2"]}, {"smtp": "b@x", "tokens": ["tok-hunter2"]}], "one user only"),
    ([{"smtp": "a@x", "password": "hunter2", "role": "god"}], "role must be"),
    ([{"smtp": "a@x", "password": "hunter2", "impersonate": "*"}], "must be a list"),
    ([{"smtp": "a@x", "password": ["hunter2"]}], "must be a string"),
])
def test_users_file_errors_never_echo_secrets(entries: list, message: str) -> None:
    with pytest.raises(UsersFileError) as caught:
        parse_users({"users": entries})
    assert message in str(caught.value) and "hunter" not in str(caught.value)


def test_unreadable_and_invalid_users_files(tmp_path) -> None:
    with pytest.raises(UsersFileError, match="cannot read"):
        load_users(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text('users:\n  - smtp: a@x\n    password: "hunter2\n', encoding="utf-8")
    with pytest.raises(UsersFileError) as caught:
        load_users(broken)
    assert "not valid YAML" in str(caught.value) and "hunter2" not in str(caught.value)


def test_a_user_repr_hides_its_secrets() -> None:
    user = User("a@x", password="hunter2", tokens=("tok-hunter3",))
    assert "hunter" not in repr(user) and "hunter" not in str(directory())


# ---- logging -------------------------------------------------------------------------------------------------------


def test_request_log_has_one_structured_line_per_request_and_no_secrets(app, users: UsersClient, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    task_id, _ = create_task(users, "logged", ALICE)
    get_item(users, task_id, BOB)
    raw(app, envelope(GET_ROOT), authorization=basic(ALICE, "wrong-password-1"))
    raw(app, envelope(GET_ROOT), authorization="Bearer alice-token")
    raw(app, envelope(GET_ROOT), authorization=basic(ALICE), content_type="application/json")
    get_item(users, task_id, ALICE, headers=impersonation(BOB))
    lines = [r for r in caplog.records if r.name == "ewsemu.requests"]
    assert [(r.ewsemu["status"], r.ewsemu["user"], r.ewsemu["op"], r.ewsemu["codes"], r.ewsemu["auth"])
            for r in lines] == [
        (200, ALICE, "CreateItem", "NoError:1", "Basic"),
        (200, BOB, "GetItem", "ErrorItemNotFound:1", "Basic"),
        (401, "-", "-", "-", "Basic"),
        (200, ALICE, "GetFolder", "NoError:1", "Bearer"),
        (415, ALICE, "-", "-", "Basic"),
        (500, ALICE, "GetItem", "ErrorImpersonationDenied:1", "Basic"),
    ]
    assert all(isinstance(r.ewsemu["ms"], float) and r.levelno == logging.INFO for r in lines)
    assert lines[1].getMessage().startswith(f"status=200 user={BOB} op=GetItem codes=ErrorItemNotFound:1 ms=")
    secrets = ["alice-pw", "bob-pw", "wrong-password-1", "alice-token"]
    secrets += [basic(ALICE).split()[1], basic(BOB).split()[1], basic(ALICE, "wrong-password-1").split()[1]]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert not [s for s in secrets if s in logged]


def test_request_log_user_names_cannot_forge_lines(client: Client, caplog) -> None:
    caplog.set_level(logging.INFO, logger="ewsemu.requests")
    client.call(GET_ROOT, user="eve@example.com\nstatus=200 user=admin@example.com")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "ewsemu.requests"]
    assert "\n" not in line and line.split()[1] == "user=eve@example.com?status=200?user=admin@example.com"


def test_start_up_warns_about_open_authentication(monkeypatch, caplog, tmp_path) -> None:
    import ewsemu.server.http as http

    monkeypatch.setattr(http, "serve_forever", lambda *args, **kwargs: None)
    caplog.set_level(logging.INFO, logger="ewsemu")
    assert cli.main(["serve", "--database", "sqlite://"]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("open authentication" in w and "--users" in w for w in warnings)
    caplog.clear()
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(USERS_YAML)), encoding="utf-8")
    assert cli.main(["serve", "--database", "sqlite://", "--users", str(path)]) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("5 users" in r.getMessage() for r in caplog.records)
    assert "alice-pw" not in caplog.text


def test_bad_users_file_exits_with_2(tmp_path, capsys) -> None:
    assert cli.main(["serve", "--database", "sqlite://", "--users", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read the users file" in capsys.readouterr().err
