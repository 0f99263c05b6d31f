"""ConvertId (issue 5) and exchangelib's two probes: auth type (401 + Basic) and version guess (ConvertId).

Every response body is validated against our wsdl/ and Microsoft's published schema once the module has run.
"""
from __future__ import annotations

import base64
import logging
import re
from typing import Iterator

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from ewsemu.core.ids import IdFactory
from ewsemu.operations.convert_id import decode, encode

from ..soap import Client, Response, capture, ews_validate

FORMATS = ("EwsId", "EwsLegacyId", "EntryId", "HexEntryId", "StoreId", "OwaId")
_RESPONSES: list[bytes] = []


@pytest.fixture(scope="module", autouse=True)
def _validate_every_response() -> Iterator[None]:
    _RESPONSES.clear()
    yield
    if _RESPONSES:
        ews_validate(*_RESPONSES)


def alternate(id_: str, format_: str = "EwsId", mailbox: str = "alice@example.com", extra: str = "") -> str:
    return f'<t:AlternateId Format="{format_}" Id="{id_}" Mailbox="{mailbox}"{extra}/>'


def convert(client: Client, destination: str, *sources: str) -> Response:
    r = client.call(f'<m:ConvertId DestinationFormat="{destination}"><m:SourceIds>{"".join(sources)}'
                    f"</m:SourceIds></m:ConvertId>")
    assert r.status == 200, r.body.decode()
    _RESPONSES.append(r.body)
    return r


def converted_ids(r: Response) -> list[str]:
    return r.xpath("//m:ConvertIdResponseMessage/m:AlternateId/@Id")


def tasks_folder_id(client: Client) -> str:
    r = client.call('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>'
                    '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
    return r.xpath("//t:FolderId/@Id")[0]


def task_id(client: Client) -> str:
    r = client.call('<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>'
                    '<t:DistinguishedFolderId Id="tasks"/></m:SavedItemFolderId><m:Items><t:Task>'
                    "<t:Subject>convert me</t:Subject></t:Task></m:Items></m:CreateItem>")
    return r.xpath("//t:ItemId/@Id")[0]


# ---- the probes ----------------------------------------------------------------------------------------------


def test_unauthenticated_probe_gets_a_basic_challenge(client: Client) -> None:
    """probe/01 exactly as exchangelib sends it: no Authorization, no X-AnchorMailbox -> 401 + Basic."""
    r = client.request("POST", "/EWS/Exchange.asmx",
                       capture("probe/01-ConvertId-authtype-probe-unauthenticated.request.xml"))
    assert r.status == 401
    assert re.fullmatch(r'Basic realm="[^"]+"', r.headers["WWW-Authenticate"])


def test_version_guess_probe_answers_malformed_id_with_the_version_header(client: Client) -> None:
    """probe/02: HTTP 200, ServerVersionInfo in the header, and the DUMMY id rejected in-band."""
    r = client.post(capture("probe/02-ConvertId-version-guess.request.xml"))
    _RESPONSES.append(r.body)
    assert r.status == 200
    (info,) = r.xpath("/s:Envelope/s:Header/t:ServerVersionInfo")
    assert (info.get("MajorVersion"), info.get("MinorVersion"), info.get("MajorBuildNumber")) == ("15", "1", "2507")
    assert r.xpath("//m:ConvertIdResponseMessage/@ResponseClass") == ["Error"]
    assert r.codes() == ["ErrorInvalidIdMalformed"]
    assert r.xpath("//m:MessageText/text()") == ["Id is malformed."]
    ews_validate(r.body, headers=True)


# ---- conversions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("destination", FORMATS)
def test_every_format_round_trips_for_items_and_folders(client: Client, destination: str) -> None:
    originals = [tasks_folder_id(client), task_id(client)]
    there = convert(client, destination, *(alternate(i) for i in originals))
    assert there.codes() == ["NoError", "NoError"]
    (first, _) = there.xpath("//m:AlternateId")
    assert (first.get("Format"), first.get("Mailbox")) == (destination, "alice@example.com")
    assert first.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "t:AlternateIdType"
    back = convert(client, "EwsId", *(alternate(i, destination) for i in converted_ids(there)))
    assert converted_ids(back) == originals


def test_entry_id_forms_encode_the_same_bytes(client: Client) -> None:
    ews = tasks_folder_id(client)
    r = convert(client, "EntryId", alternate(ews))
    entry = base64.b64decode(converted_ids(r)[0])
    hex_id = converted_ids(convert(client, "HexEntryId", alternate(ews)))[0]
    store = base64.b64decode(converted_ids(convert(client, "StoreId", alternate(ews)))[0])
    assert hex_id == entry.hex().upper()
    assert store[:-1] == entry and entry.endswith(base64.b64decode(ews))
    owa = converted_ids(convert(client, "OwaId", alternate(ews)))[0]
    assert re.fullmatch(r"[A-Za-z0-9%]+", owa)  # URL-safe, as OWA puts it in its URLs


def test_a_converted_id_addresses_the_folder(client: Client) -> None:
    hex_id = converted_ids(convert(client, "HexEntryId", alternate(tasks_folder_id(client))))[0]
    ews = converted_ids(convert(client, "EwsId", alternate(hex_id, "HexEntryId")))[0]
    r = client.call(f'<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>'
                    f'<t:FolderId Id="{ews}"/></m:FolderIds></m:GetFolder>')
    assert r.xpath("//t:DisplayName/text()") == ["Tasks"]


def test_is_archive_is_echoed(client: Client) -> None:
    r = convert(client, "EntryId", alternate(tasks_folder_id(client), extra=' IsArchive="false"'))
    assert r.xpath("//m:AlternateId/@IsArchive") == ["false"]


def test_results_in_request_order_with_in_band_errors(client: Client) -> None:
    good = tasks_folder_id(client)
    hex_id = converted_ids(convert(client, "HexEntryId", alternate(good)))[0]
    r = convert(client, "EwsId",
                alternate(good),
                alternate("DUMMY", mailbox="DUMMY"),
                alternate("", "EntryId"),
                alternate(hex_id, "EntryId"),       # hex is not base64 of an entry id
                alternate(hex_id[:-1], "HexEntryId"),  # an odd number of hex digits
                alternate(hex_id, "HexEntryId", mailbox="nobody"),
                '<t:AlternatePublicFolderId Format="EwsId" FolderId="x"/>',
                alternate(base64.b64encode(b"\x00\x00\x2d\x00" + b"x" * 20).decode(), "EwsLegacyId"),
                alternate(hex_id, "HexEntryId"))
    assert r.codes() == ["NoError", "ErrorInvalidIdMalformed", "ErrorInvalidIdEmpty", "ErrorInvalidIdMalformed",
                         "ErrorInvalidIdMalformed", "ErrorNonExistentMailbox", "ErrorNoPublicFolderReplicaAvailable",
                         "ErrorInvalidIdMalformed", "NoError"]
    assert converted_ids(r) == [good, good]


@hsettings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), kind=st.sampled_from(["item", "folder"]),
       path=st.lists(st.sampled_from(FORMATS), min_size=1, max_size=6))
def test_any_chain_of_conversions_is_lossless(seed: int, kind: str, path: list[str]) -> None:
    factory = IdFactory(seed)
    original = factory.item_id() if kind == "item" else factory.folder_id()
    current, fmt = original, "EwsId"
    for destination in path + ["EwsId"]:
        raw, found = decode(fmt, current)
        assert found == kind
        current, fmt = encode(destination, raw, found), destination
    assert current == original


# ---- exchangelib: both probes, then real use ----------------------------------------------------------------


@pytest.fixture
def probing_account() -> Iterator[object]:
    """No auth_type and no version: exchangelib probes the auth type and guesses the version first."""
    from exchangelib import DELEGATE, Account, Configuration, Credentials
    from exchangelib.protocol import close_connections

    from ewsemu.server.http import ThreadedServer

    logging.getLogger("exchangelib").setLevel(logging.WARNING)
    with ThreadedServer(port=0, database="sqlite://") as server:
        config = Configuration(service_endpoint=server.url, credentials=Credentials("alice@example.com", "secret"))
        assert config.auth_type is None and config.version is None
        try:
            yield Account("alice@example.com", config=config, autodiscover=False, access_type=DELEGATE)
        finally:
            close_connections()


def test_exchangelib_probes_then_works(probing_account) -> None:
    from exchangelib import NTLM, Build

    account = probing_account
    assert account.tasks.total_count == 0 and account.root.name == "root"  # an empty DisplayName, named by its id
    # chosen from our 401 challenge, which offers Negotiate, NTLM and Basic as Exchange does; exchangelib
    # prefers NTLM to Basic, and the handshake works (tests/faces/test_connect.py)
    assert account.protocol.auth_type == NTLM
    assert account.version.build == Build(15, 1, 2507, 6)  # read from ConvertId's ServerVersionInfo
    assert account.version.api_version == "Exchange2016"


def test_exchangelib_convert_ids(probing_account) -> None:
    from exchangelib.properties import AlternateId

    account = probing_account
    ews = account.tasks.id
    (entry,) = account.protocol.convert_ids([AlternateId(id=ews, format="EwsId", mailbox="alice@example.com")],
                                            destination_format="HexEntryId")
    assert entry.format == "HexEntryId" and entry.mailbox == "alice@example.com"
    (back,) = account.protocol.convert_ids([entry], destination_format="EwsId")
    assert back.id == ews
