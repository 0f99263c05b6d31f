"""Calendar items: Start/End, recurring series with their occurrences and exceptions, meeting invitations.

A recurring series is one stored item, its *master*: Start/End are those of the first occurrence, and the
occurrences are computed from ``calendar:Recurrence`` (the pattern dates, at the master's local time of day
in the item's time zone, so DST never moves a meeting). A modified occurrence (an *exception*) is kept in its
master as the properties that differ (``calendar:ModifiedOccurrences``), a deleted one as its original start
(``calendar:DeletedOccurrences``); an occurrence is therefore materialised from its master on every read.
Its ItemId encodes the master's Id and its InstanceIndex (:func:`ewsemu.core.ids.occurrence_id`), and its
ChangeKey is the master's, as the reference describes ("the ChangeKey is the same for the recurring master
and all occurrences").

Server-computed properties (CalendarItemType, IsRecurring, Duration, IsMeeting, …) are stored and recomputed
by :func:`derive` after every change, so restrictions and sorting can use them. IsRecurring follows the
reference's table, including its documented quirk: false on the organizer's recurring master.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any, Iterator

from tzlocal.windows_tz import tz_win

from . import fields as F
from . import messages
from . import recurrence as rec_mod
from .errors import EwsError
from .ids import IdFactory, occurrence_id
from .item import Item
from .paths import FieldURI
from .timezones import UTC, zone_for_windows_id
from .values import Attendee, DeletedOccurrence, Exception_, Mailbox, OccurrenceInfo, TimeZoneRef

START, END, RECURRENCE = "calendar:Start", "calendar:End", "calendar:Recurrence"
ORIGINAL_START, RECURRENCE_ID = "calendar:OriginalStart", "calendar:RecurrenceId"
ITEM_TYPE, IS_RECURRING, IS_MEETING = "calendar:CalendarItemType", "calendar:IsRecurring", "calendar:IsMeeting"
ORGANIZER, IS_ORGANIZER = "calendar:Organizer", "calendar:IsOrganizer"
MODIFIED, DELETED = "calendar:ModifiedOccurrences", "calendar:DeletedOccurrences"
MEETING_TZ, START_TZ, END_TZ = "calendar:MeetingTimeZone", "calendar:StartTimeZone", "calendar:EndTimeZone"
WAS_SENT, SEQUENCE = "calendar:MeetingRequestWasSent", "calendar:AppointmentSequenceNumber"
UID = "calendar:UID"
ATTENDEE_LISTS = ("calendar:RequiredAttendees", "calendar:OptionalAttendees", "calendar:Resources")
SINGLE, OCCURRENCE, EXCEPTION, MASTER = "Single", "Occurrence", "Exception", "RecurringMaster"
#: how long a calendar item created without Start/End lasts
DEFAULT_DURATION = dt.timedelta(minutes=30)
#: the most occurrences ever enumerated for one series (a NoEnd series is cut here)
MAX_OCCURRENCES = 5000
#: what an occurrence cannot change: it belongs to its series
SERIES_ONLY = frozenset({RECURRENCE, UID})
#: properties an exception does not keep (the series or the server decides them)
_NOT_OVERRIDDEN = frozenset({
    RECURRENCE, MODIFIED, DELETED, ITEM_TYPE, IS_RECURRING, ORIGINAL_START, RECURRENCE_ID, "calendar:Duration",
    "calendar:IsMeeting", "calendar:AppointmentState", "calendar:TimeZone", IS_ORGANIZER,
    "item:LastModifiedTime", "item:DisplayTo", "item:DisplayCc", "item:ReminderDueBy"})
INVITE_ALL = frozenset({"SendOnlyToAll", "SendToAllAndSaveCopy"})
INVITE_CHANGED = frozenset({"SendOnlyToChanged", "SendToChangedAndSaveCopy"})
SAVE_COPY = frozenset({"SendToAllAndSaveCopy", "SendToChangedAndSaveCopy"})


# ---- time zones ---------------------------------------------------------------------------------------------


def windows_id(zone: dt.tzinfo) -> str:
    """The Windows name of a request's zone (the reverse of :func:`ewsemu.core.timezones.zone_for_windows_id`)."""
    key = getattr(zone, "key", None)
    return tz_win.get(key, "UTC") if key else "UTC"


def zone_of(item: Item) -> dt.tzinfo:
    """The zone the item's wall-clock times live in: StartTimeZone, else MeetingTimeZone, else UTC."""
    return _named_zone(item.values, (START_TZ, MEETING_TZ), UTC)


def _named_zone(values: dict[str, Any], uris: tuple[str, ...], fallback: dt.tzinfo) -> dt.tzinfo:
    """The first of the time-zone properties ``uris`` the item has and ewsemu can resolve, else ``fallback``."""
    for uri in uris:
        ref: TimeZoneRef | None = values.get(uri)
        name = ref.id or ref.name if ref is not None else None
        if name:
            try:
                return zone_for_windows_id(name)
            except EwsError:
                continue  # a custom zone ewsemu cannot resolve: its wall clock is read as UTC
    return fallback


# ---- creation and the rules after every change ----------------------------------------------------------------


#: how Outlook's global object ids (the iCalendar UID of Exchange meetings) begin
_UID_PREFIX = "040000008200E00074C5B7101A82E00800000000"


def defaults(now: dt.datetime, item_id: str, organizer: Mailbox) -> dict[str, Any]:
    """A new calendar item before the client's properties: the caller's own appointment. Its UID derives from
    its ItemId, so a seeded run repeats it."""
    return {
        "item:ItemClass": F.ITEM_CLASSES["CalendarItem"],
        "item:Sensitivity": "Normal",
        "item:Importance": "Normal",
        "item:ReminderIsSet": True,
        "item:ReminderMinutesBeforeStart": 15,
        "item:IsAssociated": False,
        "item:DateTimeCreated": now,
        "item:DateTimeReceived": now,
        "item:LastModifiedTime": now,
        UID: _UID_PREFIX + hashlib.blake2b(item_id.encode(), digest_size=16).hexdigest().upper(),
        "calendar:DateTimeStamp": now,
        "calendar:IsAllDayEvent": False,
        "calendar:LegacyFreeBusyStatus": "Busy",
        "calendar:IsCancelled": False,
        WAS_SENT: False,
        "calendar:IsResponseRequested": True,
        "calendar:MyResponseType": "Organizer",
        ORGANIZER: organizer,
        SEQUENCE: 0,
        "calendar:AllowNewTimeProposal": True,
        "calendar:IsOnlineMeeting": False,
        "calendar:ConferenceType": 0,
    }


def finish(w: Item, stored: Item | None, now: dt.datetime, request_zone: dt.tzinfo) -> None:
    """The whole-item rules after the last change of an ItemChange (or CreateItem), before saving."""
    values = w.values
    if START not in values:
        values[START] = now.replace(second=0, microsecond=0)
    values.setdefault(END, values[START] + DEFAULT_DURATION)
    before = stored.values if stored is not None else {}
    if values[END] < values[START]:
        moved_start = values[START] != before.get(START) and values[END] == before.get(END)
        raise EwsError("ErrorCalendarEndDateIsEarlierThanStartDate", FieldURI(START if moved_start else END))
    if values.get("calendar:IsAllDayEvent"):
        _whole_days(values, request_zone)
    if values.get(ITEM_TYPE) not in (OCCURRENCE, EXCEPTION):
        _series(w, stored, request_zone)
    derive(w)


def _whole_days(values: dict[str, Any], request_zone: dt.tzinfo) -> None:
    """An all-day event spans whole days: a start that is not midnight moves to the midnight before it, an end
    to the midnight after it, each in its own time zone (StartTimeZone / EndTimeZone, else MeetingTimeZone,
    else the request's), as Exchange documents ("Create all-day events by using EWS")."""
    start_zone = _named_zone(values, (START_TZ, MEETING_TZ), request_zone)
    end_zone = _named_zone(values, (END_TZ, START_TZ, MEETING_TZ), request_zone)
    start = values[START].astimezone(start_zone)
    values[START] = _at(start.date(), dt.time(0), start_zone)
    end = values[END].astimezone(end_zone)
    day = end.date() if end.time() == dt.time(0) else end.date() + dt.timedelta(days=1)
    values[END] = max(_at(day, dt.time(0), end_zone), values[START] + dt.timedelta(days=1))


def _series(w: Item, stored: Item | None, request_zone: dt.tzinfo) -> None:
    """Recurrence rules of a single item or master: validation, the time zone a series keeps, Start/End on the
    first occurrence, and exceptions dropped when the series moves."""
    values = w.values
    before = stored.values if stored is not None else {}
    new: rec_mod.Recurrence | None = values.get(RECURRENCE)
    old: rec_mod.Recurrence | None = before.get(RECURRENCE)
    if new is not None and old is not None and rec_mod.same(old, new):
        values[RECURRENCE] = new = old  # the client re-sent the stored recurrence (D12's rule for calendars)
    moved = new != old or values[START] != before.get(START) or values[END] != before.get(END)
    if moved:
        values.pop(MODIFIED, None)
        values.pop(DELETED, None)
    if new is None:
        return
    if new != old:
        try:
            rec_mod.validate(new)
        except EwsError as err:
            raise EwsError(err.code, FieldURI(RECURRENCE), values=err.values) from None
    if MEETING_TZ not in values and START_TZ not in values:
        # reference: a single item that becomes a recurring master must keep its time zone; without one from
        # the client it is the request's (TimeZoneContext, else UTC)
        values[START_TZ] = values[END_TZ] = TimeZoneRef(id=windows_id(request_zone))
    if not moved:
        return
    zone = zone_of(w)
    local = values[START].astimezone(zone)
    duration = values[END] - values[START]
    anchor = new.range.start if new != old else local.date()
    first = rec_mod.first_on_or_after(replace(new, range=replace(new.range, start=anchor)), anchor)
    if first is None:
        raise EwsError("ErrorRecurrenceHasNoOccurrence", FieldURI(RECURRENCE),
                       values=(("EffectiveStartDate", anchor.isoformat()),))
    values[RECURRENCE] = replace(new, range=replace(new.range, start=first))
    values[START] = _at(first, local.time(), zone)
    values[END] = values[START] + duration


def _at(day: dt.date, time: dt.time, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)


def iso_duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return text if text != "P" else "PT0S"


def attendees(item: Item) -> list[Attendee]:
    return [a for uri in ATTENDEE_LISTS for a in item.values.get(uri, ())]


def is_organizer(item: Item) -> bool:
    organizer: Mailbox | None = item.values.get(ORGANIZER)
    return organizer is None or organizer.smtp == item.mailbox.lower()


def derive(w: Item) -> None:
    """Recompute the stored server-side properties from the others."""
    values = w.values
    kind = values.get(ITEM_TYPE)
    if kind not in (OCCURRENCE, EXCEPTION):
        kind = MASTER if RECURRENCE in values else SINGLE
    organizer = is_organizer(w)
    meeting = bool(attendees(w))
    values[ITEM_TYPE] = kind
    values[IS_ORGANIZER] = organizer
    # the reference's table: false for the organizer's master (documented as incorrect, and what Exchange does)
    values[IS_RECURRING] = kind in (OCCURRENCE, EXCEPTION) or (kind == MASTER and not organizer)
    values[IS_MEETING] = meeting
    values["calendar:AppointmentState"] = (1 if meeting else 0) | (0 if organizer else 2)
    values["calendar:Duration"] = iso_duration(values[END] - values[START])
    values["item:ReminderDueBy"] = values[START]
    zone: TimeZoneRef | None = values.get(START_TZ) or values.get(MEETING_TZ)
    _set_or_pop(values, "calendar:TimeZone", (zone.name or zone.id) if zone is not None else None)
    for display, uri in _DISPLAY:
        _set_or_pop(values, display, "; ".join(a.mailbox.display for a in values.get(uri, ())) or None)


#: DisplayTo/DisplayCc of a calendar item name its required and optional attendees
_DISPLAY = (("item:DisplayTo", "calendar:RequiredAttendees"), ("item:DisplayCc", "calendar:OptionalAttendees"))


def _set_or_pop(values: dict[str, Any], uri: str, value: Any) -> None:
    if value is None:
        values.pop(uri, None)
    else:
        values[uri] = value


# ---- occurrences ----------------------------------------------------------------------------------------------


def _dates(master: Item) -> Iterator[dt.date]:
    rec: rec_mod.Recurrence = master.values[RECURRENCE]
    count = rec.range.count if isinstance(rec.range, rec_mod.NumberedRecurrence) else MAX_OCCURRENCES
    return (when.date() for when in islice(rec_mod.rule(rec), min(count, MAX_OCCURRENCES)))


def _original_start(master: Item, day: dt.date) -> dt.datetime:
    zone = zone_of(master)
    return _at(day, master.values[START].astimezone(zone).time(), zone)


def original_start(master: Item, index: int) -> dt.datetime | None:
    """The start the pattern gives occurrence ``index`` (1-based); None beyond the series."""
    if index < 1 or RECURRENCE not in master.values:
        return None
    day = next(islice(_dates(master), index - 1, None), None)
    return _original_start(master, day) if day is not None else None


def is_master(item: Item) -> bool:
    return item.item_type == "CalendarItem" and RECURRENCE in item.values


def exception(master: Item, index: int) -> Exception_ | None:
    return next((e for e in master.values.get(MODIFIED, ()) if e.index == index), None)


def is_deleted(master: Item, index: int) -> bool:
    return any(d.index == index for d in master.values.get(DELETED, ()))


def check_occurrence(master: Item, index: int) -> dt.datetime:
    """The original start of a live occurrence, or the error for an index that names none."""
    start = original_start(master, index)
    if start is None:
        raise EwsError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange")
    if is_deleted(master, index):
        raise EwsError("ErrorCalendarOccurrenceIsDeletedFromRecurrence")
    return start


def materialize(master: Item, index: int, start: dt.datetime | None = None) -> Item:
    """Occurrence ``index`` as an item of its own (Occurrence, or Exception when modified)."""
    original = start if start is not None else check_occurrence(master, index)
    occurrence = master.copy()
    occurrence.id = occurrence_id(master.id, index)
    values = occurrence.values
    for uri in (RECURRENCE, MODIFIED, DELETED):
        values.pop(uri, None)
    values[START] = original
    values[END] = original + (master.values[END] - master.values[START])
    values[ORIGINAL_START] = values[RECURRENCE_ID] = original
    values[ITEM_TYPE] = OCCURRENCE
    found = exception(master, index)
    if found is not None:
        for uri, value in found.overrides:
            _set_or_pop(values, uri, value)
        values[ITEM_TYPE] = EXCEPTION
    derive(occurrence)
    return occurrence


def with_exception(master: Item, index: int, occurrence: Item) -> Item:
    """The master after occurrence ``index`` became ``occurrence``: its exception records what differs from the
    unmodified occurrence (none left: the exception is gone)."""
    others = tuple(e for e in master.values.get(MODIFIED, ()) if e.index != index)
    plain = materialize(replace_exceptions(master, others), index)
    keys = (plain.values.keys() | occurrence.values.keys()) - _NOT_OVERRIDDEN
    overrides = tuple(sorted((k, occurrence.values.get(k)) for k in keys
                             if plain.values.get(k) != occurrence.values.get(k)))
    if overrides:
        others = tuple(sorted(others + (Exception_(index, plain.values[START], overrides),), key=lambda e: e.index))
    return replace_exceptions(master, others)


def replace_exceptions(master: Item, exceptions: tuple[Exception_, ...]) -> Item:
    copy = master.copy()
    _set_or_pop(copy.values, MODIFIED, exceptions or None)
    return copy


def without_occurrence(master: Item, index: int) -> Item:
    """The master after occurrence ``index`` was deleted."""
    start = check_occurrence(master, index)
    copy = replace_exceptions(master, tuple(e for e in master.values.get(MODIFIED, ()) if e.index != index))
    deleted = tuple(sorted(master.values.get(DELETED, ()) + (DeletedOccurrence(index, start),),
                           key=lambda d: d.index))
    copy.values[DELETED] = deleted
    return copy


def _info(master: Item, index: int, start: dt.datetime) -> OccurrenceInfo:
    occurrence = materialize(master, index, start)
    return OccurrenceInfo(occurrence.id, master.change_key, occurrence.values[START], occurrence.values[END], start)


def _live(master: Item) -> Iterator[tuple[int, dt.datetime]]:
    deleted = {d.index for d in master.values.get(DELETED, ())}
    for index, day in enumerate(_dates(master), start=1):
        if index not in deleted:
            yield index, _original_start(master, day)


def first_occurrence(master: Item) -> OccurrenceInfo | None:
    if not is_master(master):
        return None
    found = next(_live(master), None)
    return _info(master, *found) if found is not None else None


def last_occurrence(master: Item) -> OccurrenceInfo | None:
    """The last occurrence of a series that ends (a NoEnd series has none)."""
    if not is_master(master) or isinstance(master.values[RECURRENCE].range, rec_mod.NoEndRecurrence):
        return None
    found = None
    for found in _live(master):
        pass
    return _info(master, *found) if found is not None else None


def modified_occurrences(master: Item) -> tuple[OccurrenceInfo, ...] | None:
    if not is_master(master) or not master.values.get(MODIFIED):
        return None
    return tuple(_info(master, e.index, e.original_start) for e in master.values[MODIFIED])


def occurrences_between(master: Item, start: dt.datetime, end: dt.datetime) -> list[Item]:
    """The series' live occurrences overlapping [start, end) (an occurrence ending at ``start`` counts, as in
    Exchange's CalendarView)."""
    out = []
    for index, original in _live(master):
        occurrence = materialize(master, index, original)
        if occurrence.values[START] >= end and original >= end:
            break
        if occurrence.values[END] >= start and occurrence.values[START] < end:
            out.append(occurrence)
    return out


# ---- meeting invitations --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    attendee: Mailbox
    request_type: str  # NewMeetingRequest | FullUpdate


def _key(mailbox: Mailbox) -> str:
    return mailbox.smtp or mailbox.email or ""


def plan_invitations(stored: Item | None, w: Item, mode: str | None) -> tuple[Invitation, ...]:
    """Who gets a meeting request for this change (SendMeetingInvitations[OrCancellations]) and the sent
    bookkeeping on ``w``: MeetingRequestWasSent, and AppointmentSequenceNumber for an update."""
    if mode not in INVITE_ALL | INVITE_CHANGED:
        return ()
    me = w.mailbox.lower()
    before = {_key(a.mailbox) for a in attendees(stored)} if stored is not None else set()
    targets: dict[str, Mailbox] = {}
    for attendee in attendees(w):
        key = _key(attendee.mailbox)
        if key and key != me and (mode in INVITE_ALL or key not in before):
            targets.setdefault(key, attendee.mailbox)
    if not targets:
        return ()
    first = not w.values.get(WAS_SENT)
    if not first:
        w.values[SEQUENCE] = int(w.values.get(SEQUENCE, 0)) + 1
    w.values[WAS_SENT] = True
    return tuple(Invitation(m, "NewMeetingRequest" if first or key not in before else "FullUpdate")
                 for key, m in targets.items())


#: the calendar properties a meeting request carries, copied from the organizer's item
_CARRIED = ("item:Subject", "item:Body", "item:Sensitivity", "item:Importance", "item:Categories",
            START, END, ORIGINAL_START, RECURRENCE_ID, UID, "calendar:IsAllDayEvent", "calendar:Location",
            "calendar:When", ORGANIZER, *ATTENDEE_LISTS, "calendar:Duration", "calendar:TimeZone", SEQUENCE,
            RECURRENCE, MEETING_TZ, START_TZ, END_TZ, "calendar:ConferenceType", "calendar:AllowNewTimeProposal",
            "calendar:IsOnlineMeeting", "calendar:MeetingWorkspaceUrl", "calendar:NetShowUrl")


def meeting_request(calendar_item: Item, invitation: Invitation | None, *, item_id: str, mailbox: str,
                    folder_id: str, now: dt.datetime) -> Item:
    """The ``t:MeetingRequest`` an attendee receives (``invitation``), or the organizer's sent copy (None)."""
    source = calendar_item.values
    received = invitation is not None
    values: dict[str, Any] = {uri: source[uri] for uri in _CARRIED if uri in source}
    organizer: Mailbox = source.get(ORGANIZER) or Mailbox(calendar_item.mailbox)
    kind = source.get(ITEM_TYPE, SINGLE)
    values.update({
        "item:ItemClass": "IPM.Schedule.Meeting.Request",
        "item:DateTimeCreated": now, "item:DateTimeReceived": now, "item:DateTimeSent": now,
        "item:LastModifiedTime": now, "item:IsAssociated": False, "item:IsDraft": False,
        "item:IsFromMe": not received, "item:ReminderIsSet": False, "item:ReminderMinutesBeforeStart": 0,
        "message:From": organizer, "message:Sender": organizer,
        "message:IsRead": not received, "message:IsReadReceiptRequested": False,
        "message:IsDeliveryReceiptRequested": False,
        "message:IsResponseRequested": bool(source.get("calendar:IsResponseRequested", True)),
        "meeting:ResponseType": "NoResponseReceived" if received else "Organizer",
        "calendar:DateTimeStamp": now,
        IS_ORGANIZER: not received,
        "meetingRequest:MeetingRequestType": invitation.request_type if received else "NewMeetingRequest",
        "meetingRequest:IntendedFreeBusyStatus": source.get("calendar:LegacyFreeBusyStatus", "Busy"),
        "calendar:LegacyFreeBusyStatus": "Tentative" if received else source.get("calendar:LegacyFreeBusyStatus",
                                                                                   "Busy"),
        IS_MEETING: True, "calendar:IsCancelled": False, WAS_SENT: not received,
        IS_RECURRING: kind != SINGLE, ITEM_TYPE: kind,
        "calendar:MyResponseType": "NoResponseReceived" if received else "Organizer",
        "calendar:AppointmentState": 3 if received else 1,
        "message:ToRecipients": tuple(a.mailbox for a in source.get("calendar:RequiredAttendees", ())),
        "message:CcRecipients": tuple(a.mailbox for a in source.get("calendar:OptionalAttendees", ())),
    })
    if received:
        values["message:ReceivedBy"] = invitation.attendee
    values = {k: v for k, v in values.items() if v not in (None, ())}
    item = Item(id=item_id, mailbox=mailbox, folder_id=folder_id, item_type="MeetingRequest", version=1,
                change_key=IdFactory.change_key(item_id, 1), values=values, extended=dict(calendar_item.extended))
    messages.finish(item)
    return item


#: what an attendee's calendar copy takes from the meeting request it came with
_COPIED = tuple(uri for uri in _CARRIED if uri not in ("item:Categories",)) + (
    "calendar:IsResponseRequested", "meetingRequest:IntendedFreeBusyStatus")


def attendee_copy(request: Item, *, item_id: str, folder_id: str, now: dt.datetime) -> Item:
    """The calendar item a delivered meeting request puts in the attendee's calendar, as Exchange does: a
    tentative meeting, not answered yet, organized by someone else."""
    source = request.values
    values: dict[str, Any] = {uri: source[uri] for uri in _COPIED if uri in source}
    intended = values.pop("meetingRequest:IntendedFreeBusyStatus", "Busy")
    values.update({
        "item:ItemClass": F.ITEM_CLASSES["CalendarItem"], "item:DateTimeCreated": now,
        "item:DateTimeReceived": now, "item:LastModifiedTime": now, "item:IsAssociated": False,
        "item:ReminderIsSet": True, "item:ReminderMinutesBeforeStart": 15, "calendar:DateTimeStamp": now,
        "calendar:LegacyFreeBusyStatus": "Tentative" if intended != "Free" else "Free",
        "calendar:IsCancelled": False, WAS_SENT: False, "calendar:MyResponseType": "NoResponseReceived",
    })
    values.setdefault("calendar:IsResponseRequested", True)
    item = Item(id=item_id, mailbox=request.mailbox, folder_id=folder_id, item_type="CalendarItem", version=1,
                change_key=IdFactory.change_key(item_id, 1), values=values, extended=dict(request.extended))
    derive(item)
    return item


def updated_copy(copy: Item, request: Item, now: dt.datetime) -> Item:
    """The attendee's calendar copy after an updated request arrived: the meeting's new times and details,
    tentative again (a full update asks for a new answer)."""
    w = copy.copy()
    for uri in _COPIED:
        if uri in request.values and uri != "meetingRequest:IntendedFreeBusyStatus":
            w.values[uri] = request.values[uri]
    w.values["calendar:MyResponseType"] = "NoResponseReceived"
    w.values["calendar:LegacyFreeBusyStatus"] = "Tentative"
    derive(w)
    return w
