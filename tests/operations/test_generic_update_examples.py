"""The request examples of the generic UpdateItem reference (updateitem-operation.md), run verbatim.

The three requests (SetItemField item:Sensitivity, AppendToItemField item:Body, DeleteItemField item:Body) wrap
the property in ``t:Message``; D28 accepts that wrapper on any item type, so they run against a message and
against a task. The files in ``reference_examples/`` are the documentation's code blocks as published; the only
substitution is the shortened ItemId/ChangeKey ("AAAtAEFkb...") by those of the item under test. The server runs
in lenient-namespace mode (D20), so the https:// spellings some pages print are accepted too.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ewsemu.emulator import Settings

from ..soap import NS, Client, Response, ews_validate

EXAMPLES = Path(__file__).parents[1] / "reference_examples"
SET, APPEND, DELETE = ("updateitem-setitemfield-request.xml", "updateitem-appendtoitemfield-request.xml",
                       "updateitem-deleteitemfield-request.xml")
CANONICAL = ("http://schemas.microsoft.com/exchange/services/2006/", "http://schemas.xmlsoap.org/soap/envelope/")
ITEMS = {
    "Message": '<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message>'
               '<t:Subject>Quarterly numbers</t:Subject><t:Sensitivity>Private</t:Sensitivity>'
               '<t:Body BodyType="Text">First draft.</t:Body>'
               '<t:ToRecipients><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox>'
               "</t:ToRecipients></t:Message></m:Items></m:CreateItem>",
    "Task": '<m:CreateItem><m:Items><t:Task><t:Subject>Quarterly numbers</t:Subject>'
            '<t:Sensitivity>Private</t:Sensitivity><t:Body BodyType="Text">First draft.</t:Body>'
            "</t:Task></m:Items></m:CreateItem>",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database=database_url, seed=7, lenient_namespaces=True)


def example(name: str, item_id: str, change_key: str, https: bool = False) -> bytes:
    """The documented request with the item's Id and ChangeKey in place of the shortened ones."""
    root = etree.fromstring((EXAMPLES / name).read_bytes())
    target = root.find(".//{*}ItemId")
    text = (EXAMPLES / name).read_text()
    text = text.replace(f'Id="{target.get("Id")}"', f'Id="{item_id}"', 1)
    text = text.replace(f'ChangeKey="{target.get("ChangeKey")}"', f'ChangeKey="{change_key}"', 1)
    if https:
        for ns in CANONICAL:
            text = text.replace(f'"{ns}', f'"{ns.replace("http://", "https://", 1)}')
    return text.encode()


def get(client: Client, item_id: str) -> etree._Element:
    r = client.call(f"<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds>"
                    f'<t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>')
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//m:Items/*")[0]


def assert_like_the_documented_response(r: Response, item_type: str, item_id: str) -> str:
    """The documented success (Exchange 2007) plus ConflictResults; the item element is the item's type."""
    assert r.status == 200, r.body
    documented = etree.fromstring((EXAMPLES / "updateitem-response.xml").read_bytes())
    expected = documented.find(".//{*}UpdateItemResponseMessage")
    msg = r.xpath("//m:UpdateItemResponseMessage")[0]
    assert msg.get("ResponseClass") == expected.get("ResponseClass") == "Success"
    assert [etree.QName(c).localname for c in msg] == [etree.QName(c).localname for c in expected] + [
        "ConflictResults"]
    assert [etree.QName(c).localname for c in expected.find("{*}Items")] == ["Message"]
    [returned] = r.xpath(f"//m:Items/t:{item_type}/t:ItemId")
    assert returned.get("Id") == item_id
    return returned.get("ChangeKey")


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("item_type", ["Message", "Task"])
def test_the_documented_examples_in_order(client: Client, item_type: str, https: bool) -> None:
    created = client.call(ITEMS[item_type])
    assert created.codes() == ["NoError"], created.body
    item = created.xpath("//m:Items/*/t:ItemId")[0]
    item_id, ck = item.get("Id"), item.get("ChangeKey")
    received = [created.body]

    r = client.post(example(SET, item_id, ck, https))
    received.append(r.body)
    ck = assert_like_the_documented_response(r, item_type, item_id)
    assert get(client, item_id).findtext("t:Sensitivity", namespaces=NS) == "Normal"

    r = client.post(example(APPEND, item_id, ck, https))
    received.append(r.body)
    ck = assert_like_the_documented_response(r, item_type, item_id)
    body = get(client, item_id).find("t:Body", NS)
    assert (body.get("BodyType"), body.text) == ("Text", "First draft.Some additional text to append")

    r = client.post(example(DELETE, item_id, ck, https))
    received.append(r.body)
    assert_like_the_documented_response(r, item_type, item_id)
    after = get(client, item_id)
    body = after.find("t:Body", NS)  # D33: the deleted body reads back empty
    assert (body.get("BodyType"), body.text or "") == ("Text", "")
    assert after.findtext("t:Subject", namespaces=NS) == "Quarterly numbers"
    if item_type == "Message":
        assert after.findtext("t:IsDraft", namespaces=NS) == "true"  # SaveOnly: still a draft, still in Drafts
    ews_validate(*received)


def test_replaying_an_example_with_its_now_stale_change_key_is_a_conflict(client: Client) -> None:
    created = client.call(ITEMS["Message"])
    item = created.xpath("//m:Items/*/t:ItemId")[0]
    first = item.get("Id"), item.get("ChangeKey")
    assert client.post(example(SET, *first)).codes() == ["NoError"]
    # stale, but the body was not changed since that ChangeKey: AutoResolve applies it (D3)
    assert client.post(example(APPEND, *first)).codes() == ["NoError"]
    r = client.post(example(APPEND, *first))  # now it was: ErrorIrresolvableConflict, nothing appended
    assert r.codes() == ["ErrorIrresolvableConflict"]
    assert get(client, first[0]).findtext("t:Body", namespaces=NS) == "First draft.Some additional text to append"
    ews_validate(r.body)
