"""FindItem with an AQS ``m:QueryString`` (issue 17), and restrictions on message:From and the other address
properties, through the endpoint; every response validated against Microsoft's schema.

The query strings are Microsoft's documented examples ("QueryString (QueryStringType)", "Perform an AQS search
by using EWS") run over a Drafts folder of messages whose answers are known.
"""
from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

import pytest

from ewsemu.core.clock import Clock

from ..harness import Ews, assert_error, mailbox, recipients, val
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
DRAFTS = '<t:DistinguishedFolderId Id="drafts"/>'


def message(ews: Ews, subject: str, body: str = "nothing", *, to: tuple[str, ...] = (BOB,),
            cc: tuple[str, ...] = (), categories: tuple[str, ...] = (), importance: str | None = None,
            sender: str | None = None, read: bool | None = None) -> None:
    props = f"<t:Subject>{subject}</t:Subject><t:Body BodyType=\"Text\">{body}</t:Body>"
    if categories:
        props += "<t:Categories>" + "".join(f"<t:String>{c}</t:String>" for c in categories) + "</t:Categories>"
    if importance:
        props += f"<t:Importance>{importance}</t:Importance>"
    props += recipients("ToRecipients", *to) if to else ""
    props += recipients("CcRecipients", *cc) if cc else ""
    if sender:
        props += f"<t:From>{sender}</t:From>"
    if read is not None:
        props += f"<t:IsRead>{'true' if read else 'false'}</t:IsRead>"
    ews.create("Message", props, md="SaveOnly")


@pytest.fixture
def mailbox_of_drafts(ews: Ews, clock: Clock) -> Ews:
    """Six drafts on three days (Tuesday 13, Monday 12 and Thursday 1 January 2026, UTC)."""
    message(ews, "Project meeting notes", "the plan for next week", categories=("Work",), importance="High")
    message(ews, "Do you have the project plans?", to=(CAROL,), cc=(BOB,), read=False)
    clock.freeze(dt.datetime(2026, 1, 12, 15, 0, tzinfo=dt.timezone.utc))
    message(ews, "December sales projections", "progress: proposal attached",
            sender=mailbox("dean@example.com", "Dean Halstead"))
    message(ews, "Planning project milestones", "project and proposal", to=(CAROL,))
    clock.freeze(dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.timezone.utc))
    message(ews, "win product launch", categories=("Personal",), importance="Low")
    message(ews, "windows production line", "win95 product", sender=mailbox("sadie@hotmail.com", "Sadie Daniels"))
    clock.freeze(dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc))
    return ews


def search(ews: Ews, query: str, *, attributes: str = "", restriction: str = "", headers: str | None = None):
    where = f"<m:Restriction>{restriction}</m:Restriction>" if restriction else ""
    return ews.call('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
                    '<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>'
                    f"</m:ItemShape>{where}<m:ParentFolderIds>{DRAFTS}</m:ParentFolderIds>"
                    f"<m:QueryString{attributes}>{escape(query)}</m:QueryString></m:FindItem>", headers)


def subjects(ews: Ews, query: str, **kw) -> set[str]:
    r = search(ews, query, **kw)
    assert r.codes() == ["NoError"], r.body
    return {val(el, "Subject") for el in r.xpath("//m:RootFolder/t:Items/t:Message")}


PROJECT = {"Project meeting notes", "Do you have the project plans?", "December sales projections",
           "Planning project milestones"}


@pytest.mark.parametrize("query, expected", [
    # words match the start of words, ignoring case; quotes ask for the whole word; several words are all needed
    ("subject:project", PROJECT),
    ('subject:"project"', PROJECT - {"December sales projections"}),
    ("subject:project plan", {"Do you have the project plans?", "Planning project milestones",
                              "Project meeting notes"}),  # "plan" is a free word: this one's body has it
    ("subject:(project plan)", {"Do you have the project plans?", "Planning project milestones"}),
    ('subject:"project plans"', {"Do you have the project plans?"}),
    ('"win product"', {"win product launch"}),
    ('"win product"*', {"win product launch", "windows production line"}),
    ("body:progress", {"December sales projections"}),
    ("content:progress", {"December sales projections"}),
    ("body:(project - proposal)", set()),
    ("body:(project - nothing)", {"Planning project milestones"}),
    ("body:(project -nothing)", set()),  # glued to a word the hyphen is punctuation: "project nothing"
    ("body:project OR body:proposal", {"December sales projections", "Planning project milestones"}),
    ("body:(project OR proposal)", {"December sales projections", "Planning project milestones"}),
    ("body:(project Or proposal)", set()),  # connectors are case sensitive: "Or" is a word
    ("NOT body:nothing", {"Project meeting notes", "December sales projections", "Planning project milestones",
                          "windows production line"}),
    # addresses: the address and the display name, as words
    ("from:Dean", {"December sales projections"}),
    ('from:"Dean Halstead"', {"December sales projections"}),
    ('from:"@hotmail.com"', {"windows production line"}),
    ("to:carol", {"Do you have the project plans?", "Planning project milestones"}),
    ("cc:bob", {"Do you have the project plans?"}),
    ("participants:bob", {"Project meeting notes", "Do you have the project plans?", "December sales projections",
                          "win product launch", "windows production line"}),
    ("carol@example.com", {"Do you have the project plans?", "Planning project milestones"}),
    ('from:("Sadie Daniels" OR "Dean Halstead")', {"December sales projections", "windows production line"}),
    ('from:"Sadie Daniels" OR "Dean Halstead"', {"December sales projections", "windows production line"}),
    # typed keywords
    ("category:work", {"Project meeting notes"}),
    ("importance:high", {"Project meeting notes"}),
    ("importance:LOW", {"win product launch"}),
    ("isread:false", {"Do you have the project plans?"}),
    ("hasattachment:true", set()),
    ("isflagged:true", set()),
    ("kind:email subject:win", {"win product launch", "windows production line"}),
    ("kind:meetings", set()),
    ("size:>100000", set()),
    ("size:1..100000 subject:win", {"win product launch", "windows production line"}),
    # dates are days of the request's time zone (here UTC); today is Tuesday 13 January 2026
    ("received:today", {"Project meeting notes", "Do you have the project plans?"}),
    ("received:yesterday", {"December sales projections", "Planning project milestones"}),
    ("received:monday", {"December sales projections", "Planning project milestones"}),
    ("received:2026-01-01", {"win product launch", "windows production line"}),
    ("received:1/1/2026", {"win product launch", "windows production line"}),
    ("received:1/12", {"December sales projections", "Planning project milestones"}),
    ("received:>1/1/2026 subject:project", PROJECT),
    ("received:<=1/12/2026", {"December sales projections", "Planning project milestones", "win product launch",
                              "windows production line"}),
    ("received:1/1/2026..yesterday subject:pro*", {"December sales projections", "Planning project milestones",
                                                  "win product launch", "windows production line"}),
    ("received:2026-01-01..2026-01-12 subject:win", {"win product launch", "windows production line"}),
    ("received:this week", PROJECT),  # Sunday 11 to Saturday 17 January
    ("received:last week", set()),
    ("received:this month", PROJECT | {"win product launch", "windows production line"}),
    ("received:past month", set()),
    ("received:january", PROJECT | {"win product launch", "windows production line"}),
    ("received:NOT today", {"December sales projections", "Planning project milestones", "win product launch",
                            "windows production line"}),
    ("sent:today", {"Project meeting notes", "Do you have the project plans?"}),
    # unknown keywords are words; words are split at punctuation
    ("x:project subject:meeting", set()),
    ("meeting.notes", {"Project meeting notes"}),
    ("", PROJECT | {"win product launch", "windows production line"}),
])
def test_query_strings(mailbox_of_drafts: Ews, query: str, expected: set[str]) -> None:
    assert subjects(mailbox_of_drafts, query) == expected


def test_dates_are_days_of_the_request_time_zone(mailbox_of_drafts: Ews) -> None:
    """13 January in Tokyo (UTC+9) runs from 15:00 UTC on the 12th: the drafts of 15:00 UTC on the 12th are in it."""
    tokyo = '<t:RequestServerVersion Version="Exchange2016"/><t:TimeZoneContext><t:TimeZoneDefinition ' \
            'Id="Tokyo Standard Time"/></t:TimeZoneContext>'
    assert subjects(mailbox_of_drafts, "received:2026-01-13", headers=tokyo) == PROJECT


def test_query_string_attributes_are_accepted(mailbox_of_drafts: Ews) -> None:
    attributes = ' ResetCache="true" ReturnDeletedItems="false" ReturnHighlightTerms="true"'
    assert subjects(mailbox_of_drafts, "importance:high", attributes=attributes) == {"Project meeting notes"}


@pytest.mark.parametrize("query", [
    'subject:"project', "subject:(project", "project)", "project AND", "NOT", "subject:", "received:someday",
    "received:13/45/2026", "isread:maybe", "importance:urgent", "kind:spaceships", "size:big", "isread:>true",
])
def test_a_query_string_that_does_not_parse(mailbox_of_drafts: Ews, query: str) -> None:
    assert_error(search(mailbox_of_drafts, query), "ErrorInvalidArgument")


def test_a_query_string_excludes_a_restriction(mailbox_of_drafts: Ews) -> None:
    restriction = ('<t:IsEqualTo><t:FieldURI FieldURI="item:Importance"/><t:FieldURIOrConstant>'
                   '<t:Constant Value="High"/></t:FieldURIOrConstant></t:IsEqualTo>')
    assert_error(search(mailbox_of_drafts, "project", restriction=restriction), "ErrorInvalidArgument")


# ---- restrictions on the address properties ---------------------------------------------------------------------


def restricted(ews: Ews, restriction: str) -> set[str]:
    r = ews.find_response("drafts", shape="IdOnly", additional='<t:FieldURI FieldURI="item:Subject"/>',
                          restriction=restriction)
    assert r.codes() == ["NoError"], r.body
    return {val(el, "Subject") for el in r.xpath("//m:RootFolder/t:Items/t:Message")}


def compare(op: str, uri: str, value: str) -> str:
    return (f'<t:{op}><t:FieldURI FieldURI="{uri}"/><t:FieldURIOrConstant><t:Constant Value="{value}"/>'
            f"</t:FieldURIOrConstant></t:{op}>")


def contains(uri: str, value: str, mode: str = "Substring", comparison: str = "IgnoreCase") -> str:
    return (f'<t:Contains ContainmentMode="{mode}" ContainmentComparison="{comparison}"><t:FieldURI '
            f'FieldURI="{uri}"/><t:Constant Value="{value}"/></t:Contains>')


def test_restrictions_on_from(mailbox_of_drafts: Ews) -> None:
    ews = mailbox_of_drafts
    dean, sadie = {"December sales projections"}, {"windows production line"}
    assert restricted(ews, compare("IsEqualTo", "message:From", "DEAN@example.com")) == dean
    assert restricted(ews, compare("IsEqualTo", "message:From", "Dean Halstead")) == dean
    assert restricted(ews, compare("IsNotEqualTo", "message:From", "dean@example.com")) == sadie
    assert restricted(ews, contains("message:From", "hotmail")) == sadie
    assert restricted(ews, contains("message:From", "HOTMAIL", comparison="Exact")) == set()
    assert restricted(ews, f'<t:Exists><t:FieldURI FieldURI="message:From"/></t:Exists>') == dean | sadie
    assert restricted(ews, compare("IsGreaterThan", "message:From", "E")) == sadie  # by display name


def test_sorting_on_from_follows_the_display_name(mailbox_of_drafts: Ews) -> None:
    r = mailbox_of_drafts.call(
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>'
        '<t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>'
        f'<m:Restriction><t:Exists><t:FieldURI FieldURI="message:From"/></t:Exists></m:Restriction>'
        '<m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="message:From"/></t:FieldOrder>'
        f"</m:SortOrder><m:ParentFolderIds>{DRAFTS}</m:ParentFolderIds></m:FindItem>")
    assert [val(el, "Subject") for el in r.xpath("//t:Message")] == [
        "windows production line", "December sales projections"]


def test_recipient_lists_are_not_restrictable(mailbox_of_drafts: Ews) -> None:
    """As Exchange answers ("The property can not be used with this type of restriction"); AQS to:/cc: reach
    them."""
    r = mailbox_of_drafts.find_response("drafts", restriction=compare("IsEqualTo", "message:ToRecipients", BOB))
    assert_error(r, "ErrorUnsupportedPathForQuery", {"FieldURI": "message:ToRecipients"})


def test_a_sent_message_names_its_local_recipients(ews: Ews) -> None:
    r = ews.create_response("Message", "<t:Subject>Hello</t:Subject>" + recipients("ToRecipients", BOB),
                            md="SendAndSaveCopy")
    assert r.codes() == ["NoError"]
    [sent] = ews.find("sentitems", shape="AllProperties")
    name = val(sent, "t:ToRecipients/t:Mailbox/t:Name")
    assert name
    assert subjects_in(ews, "sentitems", f'to:"{name}"') == {"Hello"}


def subjects_in(ews: Ews, folder: str, query: str) -> set[str]:
    r = ews.call('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
                 '<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>'
                 f'</m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="{folder}"/></m:ParentFolderIds>'
                 f"<m:QueryString>{escape(query)}</m:QueryString></m:FindItem>")
    assert r.codes() == ["NoError"], r.body
    return {val(el, "Subject") for el in r.xpath("//m:RootFolder/t:Items/*")}
