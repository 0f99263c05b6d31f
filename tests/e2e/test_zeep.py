"""A zeep 4.3.3 client built from the WSDL the server serves: CreateItem -> UpdateItem -> GetItem, and faults."""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import pytest
import requests
import zeep
from lxml import etree

from ewsemu.server.http import ThreadedServer
from ewsemu.zeep import MESSAGES, TYPES, PathSubstitution, client

from ..soap import NS

T = f"{{{TYPES}}}"
TAG = {"DistinguishedPropertySetId": "PublicStrings", "PropertyName": "X-Zeep", "PropertyType": "String"}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(port=0, database="sqlite://") as srv:
        yield srv


@pytest.fixture(scope="module")
def ews(server: ThreadedServer):
    return client(server.base_url)


def headers(zc: zeep.Client, version: str = "Exchange2016") -> list:
    return [zc.get_element(T + "RequestServerVersion")(Version=version)]


def only(result, message: str):
    """The single response message of an operation result (zeep's view of m:ResponseMessages)."""
    messages = result["body"]["ResponseMessages"]["_value_1"]
    assert len(messages) == 1
    return messages[0][message]


def create_task(zc: zeep.Client, service, **task) -> dict:
    result = service.CreateItem(Items={"_value_1": [{"Task": task}]}, _soapheaders=headers(zc))
    msg = only(result, "CreateItemResponseMessage")
    assert (msg["ResponseClass"], msg["ResponseCode"]) == ("Success", "NoError")
    return msg["Items"]["_value_1"][0]["Task"]["ItemId"]


def get_task(zc: zeep.Client, service, item_id: str, *paths) -> dict:
    shape = {"BaseShape": "AllProperties"}
    if paths:
        shape["AdditionalProperties"] = {"_value_1": [{"Path": p} for p in paths]}
    result = service.GetItem(ItemShape=shape, ItemIds={"_value_1": [{"ItemId": {"Id": item_id}}]},
                             _soapheaders=headers(zc))
    msg = only(result, "GetItemResponseMessage")
    assert msg["ResponseCode"] == "NoError"
    return msg["Items"]["_value_1"][0]["Task"]


def test_create_update_get_round_trip(ews) -> None:
    zc, service = ews
    field = zc.get_type(T + "PathToUnindexedFieldType")
    extended = zc.get_type(T + "PathToExtendedFieldType")
    item_id = create_task(zc, service, Subject="Plan the offsite", Body={"_value_1": "Agenda", "BodyType": "Text"},
                          Mileage="7 km")
    updates = [  # interleaved, and the order matters for every property touched twice
        {"SetItemField": {"Path": field(FieldURI="item:Subject"), "Task": {"Subject": "temporary"}}},
        {"DeleteItemField": {"Path": field(FieldURI="item:Subject")}},
        {"AppendToItemField": {"Path": field(FieldURI="item:Body"),
                               "Task": {"Body": {"_value_1": " and venue", "BodyType": "Text"}}}},
        {"SetItemField": {"Path": field(FieldURI="task:Status"), "Task": {"Status": "Completed"}}},
        {"SetItemField": {"Path": field(FieldURI="task:PercentComplete"), "Task": {"PercentComplete": 60}}},
        {"DeleteItemField": {"Path": field(FieldURI="task:Mileage")}},
        {"SetItemField": {"Path": extended(**TAG),
                          "Task": {"ExtendedProperty": [{"ExtendedFieldURI": TAG, "Value": "zeep"}]}}},
    ]
    result = service.UpdateItem(
        ConflictResolution="NeverOverwrite", MessageDisposition="SaveOnly",
        ItemChanges={"ItemChange": [{"ItemId": {"Id": item_id["Id"], "ChangeKey": item_id["ChangeKey"]},
                                     "Updates": {"_value_1": updates}}]},
        _soapheaders=headers(zc))
    assert result["header"]["ServerVersion"]["MajorVersion"] == 15
    assert result["header"]["ServerVersion"]["Version"] == "V2017_07_11"
    msg = only(result, "UpdateItemResponseMessage")
    assert (msg["ResponseClass"], msg["ResponseCode"]) == ("Success", "NoError")
    assert msg["ConflictResults"]["Count"] == 0
    new_id = msg["Items"]["_value_1"][0]["Task"]["ItemId"]
    assert new_id["Id"] == item_id["Id"] and new_id["ChangeKey"] != item_id["ChangeKey"]

    task = get_task(zc, service, item_id["Id"], extended(**TAG))
    assert task["ItemId"]["ChangeKey"] == new_id["ChangeKey"]
    assert task["Subject"] is None  # set, then deleted
    assert task["Body"]["_value_1"] == "Agenda and venue" and task["Body"]["BodyType"] == "Text"
    assert (task["Status"], Decimal(str(task["PercentComplete"])), task["IsComplete"]) == ("InProgress", 60, False)
    assert task["CompleteDate"] is None and task["Mileage"] is None
    props = task["ExtendedProperty"]
    assert [(p["ExtendedFieldURI"]["PropertyName"], p["Value"]) for p in props] == [("X-Zeep", "zeep")]

    # the old ChangeKey is stale now: NeverOverwrite refuses, in-band
    stale = service.UpdateItem(
        ConflictResolution="NeverOverwrite",
        ItemChanges={"ItemChange": [{"ItemId": {"Id": item_id["Id"], "ChangeKey": item_id["ChangeKey"]},
                                     "Updates": {"_value_1": [{"SetItemField": {
                                         "Path": field(FieldURI="item:Subject"), "Task": {"Subject": "late"}}}]}}]},
        _soapheaders=headers(zc))
    msg = only(stale, "UpdateItemResponseMessage")
    assert (msg["ResponseClass"], msg["ResponseCode"]) == ("Error", "ErrorIrresolvableConflict")


def test_the_plugin_renames_abstract_paths() -> None:
    nsmap = {"t": TYPES, "xsi": "http://www.w3.org/2001/XMLSchema-instance", "x": "urn:other"}
    doc = etree.fromstring(
        f'<t:Updates xmlns:t="{TYPES}" xmlns:xsi="{nsmap["xsi"]}" xmlns:x="urn:other">'
        '<t:Path xsi:type="t:PathToUnindexedFieldType" FieldURI="item:Subject"/>'
        '<t:Path xsi:type="t:PathToIndexedFieldType" FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/>'
        '<t:Path xsi:type="t:PathToExtendedFieldType" PropertyTag="0x3a45" PropertyType="String"/>'
        '<t:Path xsi:type="x:PathToUnindexedFieldType" FieldURI="item:Subject"/>'
        "</t:Updates>")
    out, http_headers = PathSubstitution().egress(doc, {"a": "b"}, None, None)
    assert http_headers == {"a": "b"}
    assert [etree.QName(el).localname for el in out] == ["FieldURI", "IndexedFieldURI", "ExtendedFieldURI", "Path"]
    assert [dict(el.attrib) for el in out][:3] == [
        {"FieldURI": "item:Subject"}, {"FieldURI": "contacts:EmailAddress", "FieldIndex": "EmailAddress1"},
        {"PropertyTag": "0x3a45", "PropertyType": "String"}]


def test_without_the_plugin_zeep_gets_a_schema_fault(server: ThreadedServer, ews) -> None:
    zc, service = ews
    item_id = create_task(zc, service, Subject="untouched")
    session = requests.Session()
    session.auth = ("alice@example.com", "secret")
    plain = zeep.Client(server.base_url + "/EWS/Services.wsdl", transport=zeep.transports.Transport(session=session))
    plain_service = plain.create_service(f"{{{MESSAGES}}}ExchangeServiceBinding", server.url)
    field = plain.get_type(T + "PathToUnindexedFieldType")
    with pytest.raises(zeep.exceptions.Fault) as info:
        plain_service.UpdateItem(
            ConflictResolution="AutoResolve",
            ItemChanges={"ItemChange": [{"ItemId": {"Id": item_id["Id"]}, "Updates": {"_value_1": [
                {"SetItemField": {"Path": field(FieldURI="item:Subject"), "Task": {"Subject": "changed"}}}]}}]})
    fault = info.value
    assert fault.code == "a:ErrorSchemaValidation"
    assert fault.detail.findtext("e:ResponseCode", namespaces=NS) == "ErrorSchemaValidation"
    assert "abstract" in fault.detail.findtext("t:MessageXml/t:Violation", namespaces=NS)
    assert get_task(zc, service, item_id["Id"])["Subject"] == "untouched"


def test_unknown_time_zone_is_a_fault(ews) -> None:
    zc, service = ews
    # zeep ignores the minOccurs="0" on TimeZoneDefinition's sequence, so the header goes in as plain XML
    zone = etree.fromstring(f'<t:TimeZoneContext xmlns:t="{TYPES}">'
                            '<t:TimeZoneDefinition Id="Atlantis Standard Time"/></t:TimeZoneContext>')
    with pytest.raises(zeep.exceptions.Fault) as info:
        service.GetItem(ItemShape={"BaseShape": "IdOnly"},
                        ItemIds={"_value_1": [{"ItemId": {"Id": "AAMkAGdvbGRlbi10YXNrLTAx"}}]},
                        _soapheaders=headers(zc) + [zone])
    assert info.value.code == "a:ErrorTimeZone"
    assert info.value.detail.findtext("e:ResponseCode", namespaces=NS) == "ErrorTimeZone"
