"""D35: an error about a property ewsemu does not store names it with a path the schema allows, never an
invented prefix, so the response validates against Microsoft's schema (the module fixture checks every one)."""
from __future__ import annotations

import pytest

from ewsemu.protocol.field_uris import folder_field_uri, item_field_uri

from ..harness import Ews, assert_error, set_field
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from .folder_calls import create_folders


@pytest.mark.parametrize(("element", "uri"), [
    ("<t:BlockStatus>false</t:BlockStatus>", "item:BlockStatus"),
    ("<t:RightsManagementLicenseData/>", "item:RightsManagementLicenseData"),
])
def test_create_item_names_an_unstored_property_by_its_field_uri(ews: Ews, element: str, uri: str) -> None:
    r = ews.create_response("Message", f"<t:Subject>s</t:Subject>{element}", md="SaveOnly")
    assert_error(r, "ErrorInvalidPropertyRequest", {"FieldURI": uri}, container="Items")
    assert ews.find("drafts") == []  # nothing was created


def test_an_element_no_field_uri_names_gives_the_error_without_a_path(ews: Ews) -> None:
    r = ews.create_response("Message", "<t:Subject>s</t:Subject><t:SearchKey>AAEC</t:SearchKey>", md="SaveOnly")
    assert_error(r, "ErrorInvalidPropertyRequest", container="Items")
    assert "MessageXml" not in r.body.decode()


def test_update_item_with_an_unstored_property_in_the_wrong_wrapper_names_the_schema_path(ews: Ews) -> None:
    ref = ews.create("Message", "<t:Subject>s</t:Subject>", md="SaveOnly")
    r = ews.update(ref, set_field("item:Subject", "<t:BlockStatus>true</t:BlockStatus>", "Message"), md="SaveOnly")
    assert_error(r, "ErrorUpdatePropertyMismatch", {"FieldURI": "item:Subject"}, container="Items")
    r = ews.update(ref, set_field("item:BlockStatus", "<t:BlockStatus>true</t:BlockStatus>", "Message"), md="SaveOnly")
    assert_error(r, "ErrorInvalidPropertyRequest", {"FieldURI": "item:BlockStatus"}, container="Items")


def test_create_folder_names_an_unstored_folder_property_by_its_field_uri(ews: Ews) -> None:
    r = create_folders(ews, "msgfolderroot", "<t:Folder><t:DisplayName>F</t:DisplayName>"
                       "<t:ReplicaList><t:String>x</t:String></t:ReplicaList></t:Folder>")
    assert r.codes() != ["NoError"], r.body
    assert b"unknown:" not in r.body
    assert b'FieldURI="folder:ReplicaList"' in r.body


@pytest.mark.parametrize(("wrapper", "element", "uri"), [
    ("Message", "IsRead", "message:IsRead"), ("PostItem", "PostedTime", "postitem:PostedTime"),
    ("DistributionList", "Members", "distributionlist:Members"), ("Task", "Recurrence", "task:Recurrence"),
    ("CalendarItem", "Recurrence", "calendar:Recurrence"), ("MeetingRequest", "Location", "calendar:Location"),
    ("Contact", "DisplayName", "contacts:DisplayName"), ("Task", "PostedTime", None), ("Message", "SearchKey", None),
])
def test_the_schema_gives_each_element_of_each_item_type_its_field_uri(wrapper: str, element: str,
                                                                       uri: str | None) -> None:
    assert item_field_uri(wrapper, element) == uri


def test_folder_elements_get_folder_field_uris() -> None:
    assert folder_field_uri("CalendarFolder", "SharingEffectiveRights") == "folder:SharingEffectiveRights"
    assert folder_field_uri("Folder", "ReplicaList") == "folder:ReplicaList"
