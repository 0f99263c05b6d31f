"""Calendar items end to end: Start/End rules, SendMeetingInvitations(OrCancellations) and the meeting
requests attendees receive, recurring series with occurrence ids, exceptions and deletions, CalendarView
(spec §1.2, §1.4, §2.4).

Raw SOAP through the endpoint, every response validated against Microsoft's schema; exchangelib over HTTP at
the end (a recurring series as exchangelib's own calendar tests use it, and a meeting update the attendee sees).
"""
from __future__ import annotations

import datetime as dt

import pytest
from exchangelib import Attendee, CalendarItem
from exchangelib import Mailbox as XlMailbox
from exchangelib.errors import ErrorInvalidOperation, ErrorItemNotFound
from exchangelib.ewsdatetime import EWSDateTime, EWSTimeZone
from exchangelib.items import MeetingRequest
from exchangelib.items.calendar_item import EXCEPTION, OCCURRENCE, RECURRING_MASTER
from exchangelib.recurrence import DailyPattern, Recurrence

from ewsemu.core.clock import Clock
from ewsemu.emulator import Emulator, Settings
from ewsemu.server.wsgi import make_app
from ewsemu.core.users import parse_users

from ..harness import (Ews, Ref, append_field, assert_error, assert_updated, attendees, delete_field, ref_of,
                        set_field, tz_header, val, vals)
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS, Client

ALICE, BOB, CAROL, DAVE = "alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"
DAILY_4 = ("<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence>"
           "<t:StartDate>2026-01-14</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences>"
           "</t:NumberedRecurrence></t:Recurrence>")
BERLIN = '<t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/>'


def times(start: str = "2026-01-14T09:00:00Z", end: str = "2026-01-14T10:00:00Z") -> str:
    return f"<t:Start>{start}</t:Start><t:End>{end}</t:End>"


def meeting(ews: Ews, *people: str, subject: str = "Planning", extra: str = "", tail: str = "",
            smi: str = "SendToNone", **kw) -> Ref:
    """A calendar item: ItemType properties, then ``extra`` (Start … Location), attendees, then ``tail``."""
    props = (f"<t:Subject>{subject}</t:Subject>" + (extra or times() + "<t:Location>Room 1</t:Location>")
             + (attendees("RequiredAttendees", *people) if people else "") + tail)
    return ews.create("CalendarItem", props, smi=smi, **kw)


def series(ews: Ews, *people: str, tail: str = BERLIN, **kw) -> Ref:
    """Four daily occurrences, 09:00-10:00 Berlin time from 14 January 2026."""
    return meeting(ews, *people, extra=times("2026-01-14T08:00:00Z", "2026-01-14T09:00:00Z")
                   + "<t:Location>Room 1</t:Location>", tail=DAILY_4 + tail, **kw)


def occurrence(master: Ref, index: int) -> str:
    return f'<t:OccurrenceItemId RecurringMasterId="{master.id}" InstanceIndex="{index}"/>'


def requests_for(ews: Ews, who: str) -> list:
    return [m for m in ews.find("inbox", user=who) if etree_name(m) == "MeetingRequest"]


def etree_name(el) -> str:
    return el.tag.rsplit("}", 1)[-1]


def location(value: str) -> str:
    return set_field("calendar:Location", f"<t:Location>{value}</t:Location>", "CalendarItem")


# ---- creation and the required attributes ---------------------------------------------------------------------


def test_create_stores_an_appointment_in_the_calendar(ews: Ews) -> None:
    ref = meeting(ews)
    [found] = ews.find("calendar")
    assert ref_of(found).id == ref.id
    item = ews.get(ref)
    assert (val(item, "ItemClass"), val(item, "CalendarItemType"), val(item, "IsRecurring"), val(item, "IsMeeting"),
            val(item, "MyResponseType"), val(item, "Duration"), val(item, "LegacyFreeBusyStatus")) == (
        "IPM.Appointment", "Single", "false", "false", "Organizer", "PT1H", "Busy")
    assert val(item, "t:Organizer/t:Mailbox/t:EmailAddress") == ALICE
    assert val(item, "UID").startswith("040000008200E00074C5B7101A82E008")
    assert val(item, "ReminderDueBy") == "2026-01-14T09:00:00Z"


def test_send_meeting_invitations_attributes_are_required(ews: Ews) -> None:
    r = ews.create_response("CalendarItem", "<t:Subject>x</t:Subject>" + times())
    assert_error(r, "ErrorSendMeetingInvitationsRequired")
    assert ews.find("calendar") == []
    ref = meeting(ews)
    before = ews.snapshot(ref)
    assert_error(ews.update(ref, location("Room 2"), md="SaveOnly"),
                 "ErrorSendMeetingInvitationsOrCancellationsRequired")
    assert ews.snapshot(ref) == before
    assert_error(ews.delete(ref, cancellations=None), "ErrorSendMeetingCancellationsRequired")
    assert ews.snapshot(ref) == before


# ---- Start and End (spec §2.4) ----------------------------------------------------------------------------------


def test_setting_start_alone_past_the_end_is_refused(ews: Ews) -> None:
    ref = meeting(ews)
    before = ews.snapshot(ref)
    r = ews.update(ref, set_field("calendar:Start", "<t:Start>2026-01-14T11:00:00Z</t:Start>", "CalendarItem"),
                   smi="SendToNone")
    assert_error(r, "ErrorCalendarEndDateIsEarlierThanStartDate", {"FieldURI": "calendar:Start"})
    r = ews.update(ref, set_field("calendar:End", "<t:End>2026-01-14T08:00:00Z</t:End>", "CalendarItem"),
                   smi="SendToNone")
    assert_error(r, "ErrorCalendarEndDateIsEarlierThanStartDate", {"FieldURI": "calendar:End"})
    assert ews.snapshot(ref) == before
    assert_error(ews.create_response("CalendarItem", times("2026-01-14T10:00:00Z", "2026-01-14T09:00:00Z"),
                                     smi="SendToNone"), "ErrorCalendarEndDateIsEarlierThanStartDate")


def test_moving_start_and_end_together_keeps_the_duration(ews: Ews) -> None:
    ref = meeting(ews)
    r = ews.update(ref, set_field("calendar:End", "<t:End>2026-01-15T12:30:00+01:00</t:End>", "CalendarItem"),
                   set_field("calendar:Start", "<t:Start>2026-01-15T11:00:00Z</t:Start>", "CalendarItem"),
                   smi="SendToNone")
    assert_updated(r, "CalendarItem", ref)
    item = ews.get(ref)
    assert (val(item, "Start"), val(item, "End"), val(item, "Duration")) == (
        "2026-01-15T11:00:00Z", "2026-01-15T11:30:00Z", "PT30M")
    zero = ews.update(Ref(ref.id), set_field("calendar:End", "<t:End>2026-01-15T11:00:00Z</t:End>", "CalendarItem"),
                      smi="SendToNone")
    assert_updated(zero, "CalendarItem")  # End = Start is allowed
    assert val(ews.get(ref), "Duration") == "PT0S"


ALL_DAY = "<t:IsAllDayEvent>true</t:IsAllDayEvent>"


def test_an_all_day_event_spans_whole_days_of_its_time_zones(ews: Ews) -> None:
    """Exchange ("Create all-day events by using EWS"): a start that is not midnight moves to the midnight
    before it, an end to the midnight after it, in the item's time zones; midnight values stay."""
    ref = meeting(ews, extra=times("2026-01-14T12:00:00Z", "2026-01-16T12:00:00Z") + ALL_DAY, tail=BERLIN)
    item = ews.get(ref)
    assert (val(item, "Start"), val(item, "End"), val(item, "Duration"), val(item, "IsAllDayEvent")) == (
        "2026-01-13T23:00:00Z", "2026-01-16T23:00:00Z", "P3D", "true")
    midnight = meeting(ews, extra=times("2026-07-13T22:00:00Z", "2026-07-14T22:00:00Z") + ALL_DAY, tail=BERLIN)
    assert (val(ews.get(midnight), "Start"), val(ews.get(midnight), "End")) == (
        "2026-07-13T22:00:00Z", "2026-07-14T22:00:00Z")


def test_an_all_day_event_without_time_zones_uses_the_request_zone(ews: Ews) -> None:
    eastern = meeting(ews, extra=times("2026-01-14T03:00:00Z", "2026-01-14T06:00:00Z") + ALL_DAY,
                      headers=tz_header("Eastern Standard Time"))
    assert (val(ews.get(eastern), "Start"), val(ews.get(eastern), "End")) == (
        "2026-01-13T05:00:00Z", "2026-01-15T05:00:00Z")
    utc = meeting(ews, extra=times("2026-01-14T03:00:00Z", "2026-01-14T06:00:00Z") + ALL_DAY)
    assert (val(ews.get(utc), "Start"), val(ews.get(utc), "End")) == ("2026-01-14T00:00:00Z", "2026-01-15T00:00:00Z")


def test_making_an_appointment_all_day_moves_it_to_midnight(ews: Ews) -> None:
    ref = meeting(ews, tail=BERLIN)  # 09:00-10:00Z on 14 January
    r = ews.update(ref, set_field("calendar:IsAllDayEvent", ALL_DAY, "CalendarItem"), smi="SendToNone")
    assert_updated(r, "CalendarItem", ref)
    item = ews.get(ref)
    assert (val(item, "Start"), val(item, "End")) == ("2026-01-13T23:00:00Z", "2026-01-14T23:00:00Z")
    r = ews.update(Ref(ref.id), set_field("calendar:End", "<t:End>2026-01-15T08:00:00Z</t:End>", "CalendarItem"),
                   smi="SendToNone")
    assert_updated(r, "CalendarItem")
    assert val(ews.get(ref), "End") == "2026-01-15T23:00:00Z"


@pytest.mark.parametrize("uri, prop", [
    ("calendar:Location", "<t:Location>more</t:Location>"),
    ("calendar:Start", "<t:Start>2026-01-14T09:00:00Z</t:Start>"),
])
def test_append_only_to_attendees_and_body(ews: Ews, uri: str, prop: str) -> None:
    ref = meeting(ews)
    assert_error(ews.update(ref, append_field(uri, prop, "CalendarItem"), smi="SendToNone"),
                 "ErrorInvalidPropertyAppend", {"FieldURI": uri})


@pytest.mark.parametrize("uri", ["calendar:IsMeeting", "calendar:CalendarItemType", "calendar:Organizer",
                                 "calendar:AppointmentSequenceNumber", "calendar:Duration"])
def test_server_computed_calendar_properties_are_read_only(ews: Ews, uri: str) -> None:
    ref = meeting(ews)
    assert_error(ews.update(ref, delete_field(uri), smi="SendToNone"), "ErrorInvalidPropertyDelete",
                 {"FieldURI": uri})


# ---- meeting requests -------------------------------------------------------------------------------------------


def test_send_to_none_sends_nothing(ews: Ews) -> None:
    ref = meeting(ews, BOB)
    assert_updated(ews.update(ref, location("Room 2"), smi="SendToNone"), "CalendarItem", ref)
    assert requests_for(ews, BOB) == [] and ews.find("sentitems") == []
    assert val(ews.get(ref), "MeetingRequestWasSent") == "false"


def test_send_to_all_and_save_copy_delivers_meeting_requests(ews: Ews) -> None:
    ref = meeting(ews, BOB, tail=attendees("OptionalAttendees", CAROL))
    r = ews.update(ref, location("Room 7"), smi="SendToAllAndSaveCopy", md="SaveOnly")
    new = assert_updated(r, "CalendarItem", ref)
    item = ews.get(ref)
    assert ref_of(item) == new
    assert (val(item, "MeetingRequestWasSent"), val(item, "IsMeeting"), val(item, "AppointmentState"),
            val(item, "AppointmentSequenceNumber")) == ("true", "true", "1", "0")
    for who in (BOB, CAROL):
        [request] = requests_for(ews, who)
        assert (val(request, "ItemClass"), val(request, "Subject"), val(request, "Location")) == (
            "IPM.Schedule.Meeting.Request", "Planning", "Room 7")
        assert (val(request, "MeetingRequestType"), val(request, "ResponseType"), val(request, "IsMeeting"),
                val(request, "IsRead"), val(request, "IsDraft")) == (
            "NewMeetingRequest", "NoResponseReceived", "true", "false", "false")
        assert val(request, "t:Organizer/t:Mailbox/t:EmailAddress") == ALICE
        assert val(request, "t:From/t:Mailbox/t:EmailAddress") == ALICE
        assert val(request, "UID") == val(item, "UID")
        assert (val(request, "Start"), val(request, "End")) == ("2026-01-14T09:00:00Z", "2026-01-14T10:00:00Z")
        assert vals(request, "t:ToRecipients/t:Mailbox/t:EmailAddress") == [BOB]
        assert vals(request, "t:CcRecipients/t:Mailbox/t:EmailAddress") == [CAROL]
    [copy] = ews.find("sentitems")
    assert (etree_name(copy), val(copy, "IsFromMe"), val(copy, "IsRead")) == ("MeetingRequest", "true", "true")
    # an update: everyone again, FullUpdate, the sequence number moves on
    assert_updated(ews.update(new, location("Room 8"), smi="SendOnlyToAll"), "CalendarItem", new)
    assert val(ews.get(ref), "AppointmentSequenceNumber") == "1"
    assert len(ews.find("sentitems")) == 1  # SendOnly…: no copy this time
    latest = [val(m, "MeetingRequestType") for m in requests_for(ews, BOB) if val(m, "Location") == "Room 8"]
    assert latest == ["FullUpdate"]


def test_send_only_to_changed_invites_the_added_attendee(ews: Ews) -> None:
    ref = Ref(meeting(ews, BOB).id)
    assert_updated(ews.update(ref, location("Room 2"), smi="SendOnlyToAll"), "CalendarItem")
    r = ews.update(ref, append_field("calendar:RequiredAttendees", attendees("RequiredAttendees", DAVE),
                                     "CalendarItem"),
                   append_field("calendar:Resources", attendees("Resources", "room-9@example.com"), "CalendarItem"),
                   smi="SendToChangedAndSaveCopy")
    assert_updated(r, "CalendarItem")
    item = ews.get(ref)
    assert vals(item, "t:RequiredAttendees/t:Attendee/t:Mailbox/t:EmailAddress") == [BOB, DAVE]
    assert vals(item, "t:Resources/t:Attendee/t:Mailbox/t:EmailAddress") == ["room-9@example.com"]
    assert len(requests_for(ews, BOB)) == 1  # not changed: not invited again
    assert [val(m, "MeetingRequestType") for m in requests_for(ews, DAVE)] == ["NewMeetingRequest"]
    assert len(requests_for(ews, "room-9@example.com")) == 1
    assert len(ews.find("sentitems")) == 1


def test_create_with_invitations_and_organizer_is_not_invited(ews: Ews) -> None:
    meeting(ews, BOB, ALICE, smi="SendToAllAndSaveCopy")
    assert len(requests_for(ews, BOB)) == 1
    assert requests_for(ews, ALICE) == []
    assert [etree_name(m) for m in ews.find("sentitems")] == ["MeetingRequest"]


def test_a_meeting_request_is_a_message(ews: Ews) -> None:
    meeting(ews, BOB, smi="SendOnlyToAll")
    request = ref_of(requests_for(ews, BOB)[0])
    assert_error(ews.update(request, set_field("meetingRequest:MeetingRequestType",
                                               "<t:MeetingRequestType>FullUpdate</t:MeetingRequestType>",
                                               "MeetingRequest"), md="SaveOnly", user=BOB),
                 "ErrorInvalidPropertySet", {"FieldURI": "meetingRequest:MeetingRequestType"})
    assert_error(ews.update(request, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "MeetingRequest"),
                            user=BOB), "ErrorMessageDispositionRequired")
    assert_error(ews.update(request, set_field("message:ToRecipients", "<t:ToRecipients/>", "MeetingRequest"),
                            md="SaveOnly", user=BOB), "ErrorInvalidPropertySet")  # received: read-only after send
    assert_updated(ews.update(request, set_field("message:IsRead", "<t:IsRead>true</t:IsRead>", "MeetingRequest"),
                              md="SaveOnly", user=BOB), "MeetingRequest", request)
    assert val(ews.get(request, user=BOB), "IsRead") == "true"


@pytest.fixture
def users_ews(database_url: str, clock: Clock):
    directory = parse_users({"users": [{"smtp": ALICE, "password": "secret"}, {"smtp": BOB, "password": "secret"}]})
    emu = Emulator(Settings(database=database_url, seed=7, users=directory), clock)
    if database_url != "sqlite://":
        emu.reset()
    yield emu, Ews(Client(make_app(emu)))
    emu.close()


def test_with_a_users_file_only_its_users_are_invited(users_ews) -> None:
    emu, ews = users_ews
    meeting(ews, BOB, "guest@example.net", smi="SendToAllAndSaveCopy")
    assert len(requests_for(ews, BOB)) == 1
    with emu.store.read() as conn:
        assert not emu.store.mailbox_exists(conn, "guest@example.net")


# ---- recurring series, occurrences, exceptions (spec §1.4) -----------------------------------------------------


def test_a_recurring_master_lists_its_first_and_last_occurrence(ews: Ews) -> None:
    ref = series(ews)
    item = ews.get(ref)
    # the reference's IsRecurring table: false on the organizer's master (its documented quirk)
    assert (val(item, "CalendarItemType"), val(item, "IsRecurring")) == ("RecurringMaster", "false")
    first, last = item.find("t:FirstOccurrence", NS), item.find("t:LastOccurrence", NS)
    assert (val(first, "Start"), val(last, "Start"), val(last, "End")) == (
        "2026-01-14T08:00:00Z", "2026-01-17T08:00:00Z", "2026-01-17T09:00:00Z")
    assert first.find("t:ItemId", NS).get("ChangeKey") == ref.ck  # occurrences share their master's ChangeKey
    assert item.find("t:ModifiedOccurrences", NS) is None and item.find("t:DeletedOccurrences", NS) is None
    occurrence_2 = ews.get(occurrence(ref, 2))
    assert (val(occurrence_2, "CalendarItemType"), val(occurrence_2, "IsRecurring"), val(occurrence_2, "Start"),
            val(occurrence_2, "OriginalStart"), val(occurrence_2, "RecurrenceId")) == (
        "Occurrence", "true", "2026-01-15T08:00:00Z", "2026-01-15T08:00:00Z", "2026-01-15T08:00:00Z")
    assert occurrence_2.find("t:Recurrence", NS) is None
    # the occurrence's own ItemId reads the same occurrence
    assert ews.snapshot(Ref(ref_of(occurrence_2).id)) == ews.snapshot(occurrence(ref, 2))


def test_updating_an_occurrence_makes_an_exception(ews: Ews) -> None:
    ref = series(ews, BOB)
    r = ews.update(occurrence(ref, 2), location("Annex"),
                   set_field("calendar:Start", "<t:Start>2026-01-15T10:00:00Z</t:Start>", "CalendarItem"),
                   set_field("calendar:End", "<t:End>2026-01-15T11:30:00Z</t:End>", "CalendarItem"),
                   smi="SendToNone")
    returned = assert_updated(r, "CalendarItem")
    master = ews.get(ref)
    assert returned.id != ref.id and returned.ck == ref_of(master).ck != ref.ck
    [modified] = master.findall("t:ModifiedOccurrences/t:Occurrence", NS)
    assert (modified.find("t:ItemId", NS).get("Id"), val(modified, "Start"), val(modified, "End"),
            val(modified, "OriginalStart")) == (returned.id, "2026-01-15T10:00:00Z", "2026-01-15T11:30:00Z",
                                                "2026-01-15T08:00:00Z")
    exception = ews.get(Ref(returned.id))
    assert (val(exception, "CalendarItemType"), val(exception, "Location"), val(exception, "Duration")) == (
        "Exception", "Annex", "PT1H30M")
    assert val(ews.get(occurrence(ref, 3)), "Location") == "Room 1"  # the others are untouched
    # a change to the series reaches every occurrence that does not override it
    assert_updated(ews.update(Ref(ref.id), set_field("item:Subject", "<t:Subject>Renamed</t:Subject>",
                                                     "CalendarItem"), smi="SendToNone"), "CalendarItem")
    assert {val(ews.get(occurrence(ref, i)), "Subject") for i in (1, 2, 3)} == {"Renamed"}
    assert val(ews.get(occurrence(ref, 2)), "Location") == "Annex"


def test_an_occurrence_cannot_change_its_series(ews: Ews) -> None:
    ref = series(ews)
    r = ews.update(occurrence(ref, 1), set_field("calendar:Recurrence", DAILY_4, "CalendarItem"), smi="SendToNone")
    assert_error(r, "ErrorInvalidPropertySet", {"FieldURI": "calendar:Recurrence"})


def test_the_master_through_one_of_its_occurrences(ews: Ews) -> None:
    ref = series(ews)
    occurrence_3 = ref_of(ews.get(occurrence(ref, 3)))
    via = f'<t:RecurringMasterItemId OccurrenceId="{occurrence_3.id}"/>'
    assert ref_of(ews.get(via)).id == ref.id
    r = ews.update(via, set_field("item:Subject", "<t:Subject>Series</t:Subject>", "CalendarItem"), smi="SendToNone")
    assert_updated(r, "CalendarItem", ref)
    assert val(ews.get(ref), "Subject") == "Series"


def test_occurrence_id_errors(ews: Ews) -> None:
    ref = series(ews)
    single = meeting(ews)
    assert_error(ews.get_response(occurrence(ref, 5)), "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange")
    assert_error(ews.get_response(occurrence(ref, 0)), "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange")
    assert_error(ews.get_response(occurrence(single, 1)), "ErrorCalendarCannotUseIdForOccurrenceId")
    assert_error(ews.get_response(f'<t:RecurringMasterItemId OccurrenceId="{single.id}"/>'),
                 "ErrorCalendarCannotUseIdForRecurringMasterId")
    assert_error(ews.update(occurrence(single, 1), location("x"), smi="SendToNone"),
                 "ErrorCalendarCannotUseIdForOccurrenceId")


def test_deleting_an_occurrence(ews: Ews) -> None:
    ref = series(ews)
    occurrence_3 = ref_of(ews.get(occurrence(ref, 3)))
    r = ews.delete(occurrence_3)
    assert r.codes() == ["NoError"]
    master = ews.get(ref)
    assert vals(master, "t:DeletedOccurrences/t:DeletedOccurrence/t:Start") == ["2026-01-16T08:00:00Z"]
    assert_error(ews.get_response(occurrence(ref, 3)), "ErrorCalendarOccurrenceIsDeletedFromRecurrence")
    assert ews.delete(occurrence(ref, 4)).codes() == ["NoError"]
    master = ews.get(ref)
    assert val(master, "t:LastOccurrence/t:Start") == "2026-01-15T08:00:00Z"
    assert ews.delete(ref).codes() == ["NoError"]
    assert_error(ews.get_response(occurrence_3), "ErrorItemNotFound")


def test_becoming_recurring_keeps_the_time_zone_of_the_request(ews: Ews) -> None:
    """Reference: a single item that becomes a recurring master must keep its time zone (MeetingTimeZone, or
    StartTimeZone/EndTimeZone since 2010); without one it is the request's TimeZoneContext."""
    ref = meeting(ews, extra=times("2026-03-27T08:00:00Z", "2026-03-27T09:00:00Z"))
    weekly = ("<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Friday</t:DaysOfWeek>"
              "</t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-27</t:StartDate>"
              "<t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>")
    r = ews.update(ref, set_field("calendar:Recurrence", weekly, "CalendarItem"), smi="SendToNone",
                   headers=tz_header("W. Europe Standard Time"))
    assert_updated(r, "CalendarItem", ref)
    item = ews.get(ref)
    assert item.find("t:StartTimeZone", NS).get("Id") == "W. Europe Standard Time"
    # 09:00 in Berlin every Friday, across the change to summer time on 29 March
    assert (val(item, "t:FirstOccurrence/t:Start"), val(item, "t:LastOccurrence/t:Start")) == (
        "2026-03-27T08:00:00Z", "2026-04-10T07:00:00Z")


def test_becoming_recurring_with_a_meeting_time_zone(ews: Ews) -> None:
    ref = meeting(ews, extra=times("2026-01-14T17:00:00Z", "2026-01-14T18:00:00Z"))
    zone = ('<t:MeetingTimeZone TimeZoneName="Eastern Standard Time"><t:BaseOffset>PT5H</t:BaseOffset>'
            "</t:MeetingTimeZone>")
    r = ews.update(ref, set_field("calendar:Recurrence", DAILY_4, "CalendarItem"),
                   set_field("calendar:MeetingTimeZone", zone, "CalendarItem"), smi="SendToNone")
    assert_updated(r, "CalendarItem", ref)
    item = ews.get(ref)
    mtz = item.find("t:MeetingTimeZone", NS)
    assert (mtz.get("TimeZoneName"), val(mtz, "BaseOffset")) == ("Eastern Standard Time", "PT5H")
    assert item.find("t:StartTimeZone", NS) is None
    assert val(item, "CalendarItemType") == "RecurringMaster"
    assert val(item, "t:LastOccurrence/t:Start") == "2026-01-17T17:00:00Z"


def test_deleting_the_recurrence_makes_a_single_item_again(ews: Ews) -> None:
    ref = Ref(series(ews).id)
    ews.delete(occurrence(ref, 2))
    assert_updated(ews.update(ref, delete_field("calendar:Recurrence"), smi="SendToNone"), "CalendarItem")
    item = ews.get(ref)
    assert val(item, "CalendarItemType") == "Single"
    assert item.find("t:DeletedOccurrences", NS) is None and item.find("t:FirstOccurrence", NS) is None


# ---- CalendarView ------------------------------------------------------------------------------------------------


def calendar_view(start: str, end: str, max_entries: int | None = None) -> str:
    extra = f' MaxEntriesReturned="{max_entries}"' if max_entries else ""
    return f'<m:CalendarView{extra} StartDate="{start}" EndDate="{end}"/>'


def test_calendar_view_expands_series(ews: Ews) -> None:
    ref = series(ews)
    meeting(ews, subject="Lunch", extra=times("2026-01-15T11:00:00Z", "2026-01-15T12:00:00Z"))
    ews.update(occurrence(ref, 2), location("Annex"), smi="SendToNone")
    ews.delete(occurrence(ref, 3))
    r = ews.find_response("calendar", view=calendar_view("2026-01-14T00:00:00Z", "2026-01-20T00:00:00Z"))
    found = r.xpath("//m:RootFolder/t:Items/t:CalendarItem")
    assert [(val(i, "Subject"), val(i, "CalendarItemType"), val(i, "Start")) for i in found] == [
        ("Planning", "Occurrence", "2026-01-14T08:00:00Z"),
        ("Planning", "Exception", "2026-01-15T08:00:00Z"),
        ("Lunch", "Single", "2026-01-15T11:00:00Z"),
        ("Planning", "Occurrence", "2026-01-17T08:00:00Z")]
    assert r.xpath("//m:RootFolder/@TotalItemsInView") == ["4"]
    assert ref_of(found[0]).id == ews.get(ref).find("t:FirstOccurrence/t:ItemId", NS).get("Id")
    page = ews.find_response("calendar", view=calendar_view("2026-01-14T00:00:00Z", "2026-01-20T00:00:00Z", 2))
    assert (page.xpath("//m:RootFolder/@IncludesLastItemInRange"), len(page.xpath("//t:CalendarItem"))) == (
        ["false"], 2)
    # an item ending exactly at the view's start is still in it (exchangelib's test_view notes Exchange does so)
    edge = ews.find("calendar", view=calendar_view("2026-01-15T12:00:00Z", "2026-01-15T13:00:00Z"))
    assert [val(i, "Subject") for i in edge] == ["Lunch"]
    plain = ews.find("calendar")  # without a CalendarView: single items and masters
    assert sorted(val(i, "CalendarItemType") for i in plain) == ["RecurringMaster", "Single"]


def test_calendar_view_errors(ews: Ews) -> None:
    series(ews)
    subject = ('<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant>'
               '<t:Constant Value="Planning"/></t:FieldURIOrConstant></t:IsEqualTo>')
    view = calendar_view("2026-01-14T00:00:00Z", "2026-01-20T00:00:00Z")
    assert_error(ews.find_response("calendar", view=view, restriction=subject), "ErrorInvalidOperation")
    assert_error(ews.find_response("inbox", view=view), "ErrorCalendarFolderIsInvalidForCalendarView")
    assert_error(ews.find_response("calendar", view=calendar_view("2026-01-01T00:00:00Z", "2029-01-01T00:00:00Z")),
                 "ErrorCalendarViewRangeTooBig")


# ---- exchangelib over HTTP --------------------------------------------------------------------------------------


def test_exchangelib_recurring_series(ewsemu_account) -> None:
    """exchangelib's own test_recurring_item / test_change_occurrence / test_delete_occurrence sequence."""
    account = ewsemu_account(ALICE, default_timezone=EWSTimeZone("Europe/Copenhagen"))
    start = EWSDateTime(2016, 1, 1, 8, tzinfo=account.default_timezone)
    end = EWSDateTime(2016, 1, 1, 10, tzinfo=account.default_timezone)
    master = CalendarItem(folder=account.calendar, start=start, end=end, categories=["series"],
                          recurrence=Recurrence(pattern=DailyPattern(interval=1), start=start.date(), number=4)).save()
    master.refresh()
    assert (master.is_recurring, master.type) == (False, RECURRING_MASTER)
    assert (master.first_occurrence.start, master.first_occurrence.end) == (start, end)
    assert master.last_occurrence.start == start + dt.timedelta(days=3)
    assert master.modified_occurrences is None and master.deleted_occurrences is None
    unfolded = list(account.calendar.view(start=start, end=end + dt.timedelta(days=3)))
    assert [(i.type, i.is_recurring) for i in unfolded] == [(OCCURRENCE, True)] * 4
    assert unfolded[0].id == master.first_occurrence.id
    second = unfolded[1]
    second.start += dt.timedelta(hours=1)
    second.end += dt.timedelta(hours=1)
    second.save()  # a full save of an occurrence through its own ItemId
    master.refresh()
    [modified] = master.modified_occurrences
    assert (modified.id, modified.start, modified.original_start) == (
        second.id, second.start, second.start - dt.timedelta(hours=1))
    unfolded = list(account.calendar.view(start=start, end=end + dt.timedelta(days=3)))
    assert unfolded[1].type == EXCEPTION
    unfolded[2].delete()
    master.refresh()
    assert [d.start for d in master.deleted_occurrences] == [start + dt.timedelta(days=2)]
    assert len(list(account.calendar.view(start=start, end=end + dt.timedelta(days=3)))) == 3
    fourth = master.occurrence(index=4)
    fourth.refresh()  # GetItem through an OccurrenceItemId
    fourth.subject = "last one"
    fourth.save(update_fields=["subject"])
    again = master.occurrence(index=4)
    again.refresh()
    assert (again.subject, again.type) == ("last one", EXCEPTION)
    via_occurrence = unfolded[0].recurring_master()
    via_occurrence.refresh()
    assert via_occurrence.id == master.id
    via_occurrence.delete()
    with pytest.raises(ErrorItemNotFound):
        master.delete()
    with pytest.raises(ErrorInvalidOperation):
        account.calendar.view(start=start, end=end).filter(subject="x").count()


def test_exchangelib_meeting_update_reaches_the_attendee(ewsemu_account) -> None:
    alice, bob = ewsemu_account(ALICE), ewsemu_account(BOB)
    start = EWSDateTime(2026, 2, 2, 9, tzinfo=alice.default_timezone)
    item = CalendarItem(account=alice, folder=alice.calendar, subject="Design review", start=start,
                        end=start + dt.timedelta(hours=1), location="Room 1",
                        required_attendees=[Attendee(mailbox=XlMailbox(email_address=BOB))]).save()
    assert list(bob.inbox.all()) == []  # saved with SendToNone
    item.location = "Room 42"
    item.save(update_fields=["location"], send_meeting_invitations="SendToAllAndSaveCopy")
    [request] = list(bob.inbox.all())
    assert isinstance(request, MeetingRequest)
    assert (request.subject, request.location, request.start, request.meeting_request_type) == (
        "Design review", "Room 42", start, "NewMeetingRequest")
    assert request.organizer.email_address == ALICE
    item.refresh()
    assert item.meeting_request_was_sent is True and item.is_meeting is True
    item.save()  # a full save of the meeting (SendToNone)
    assert len(list(bob.inbox.all())) == 1


@pytest.mark.parametrize("mode, bob, dave, copies", [
    ("SendToNone", 0, 0, 0),
    ("SendOnlyToAll", 1, 1, 0),
    ("SendToAllAndSaveCopy", 1, 1, 1),
    ("SendOnlyToChanged", 0, 1, 0),
    ("SendToChangedAndSaveCopy", 0, 1, 1),
])
def test_every_send_meeting_invitations_or_cancellations_value(ews: Ews, mode: str, bob: int, dave: int,
                                                               copies: int) -> None:
    ref = Ref(meeting(ews, BOB).id)
    r = ews.update(ref, append_field("calendar:OptionalAttendees", attendees("OptionalAttendees", DAVE),
                                     "CalendarItem"), smi=mode)
    assert_updated(r, "CalendarItem")
    assert (len(requests_for(ews, BOB)), len(requests_for(ews, DAVE)), len(ews.find("sentitems"))) == (
        bob, dave, copies)
    assert val(ews.get(ref), "MeetingRequestWasSent") == ("true" if bob or dave else "false")
