"""The apply engine: one ItemChange (or one CreateItem item) applied to a working copy, atomically.

Updates are applied one at a time in document order to a copy ``W`` of the stored item; any error aborts
the whole ItemChange with nothing changed (D22). Every item type goes through the same engine and the same
registry rules (read-only, deletable, appendable, one property per change); the type-specific rules run after
the last update (tasks: D4; calendar items: Start/End, the recurring series and server-computed properties;
messages: derived display properties), then the ChangeKey conflict rules (D3), then the recurring-task rules
(spawning a one-off, D7–D11) and what the change sends (a message, meeting requests). An occurrence of a
recurring calendar item is changed as an item of its own and saved back into its master as an exception.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

from . import calendar, contacts, distribution_lists, messages, mime, posts
from . import fields as F
from . import recurrence as rec_mod
from . import task_rules
from .attachments import HAS_ATTACHMENTS, Attachment, ItemAttachment, item_size, shown
from .changes import Action, ConflictResolution, FieldChange, UNPARSED
from .errors import EwsError
from .extended import check_path, check_value
from .fields import ITEM_CLASSES, MESSAGE_TYPES, FieldDef
from .ids import IdFactory
from .item import Body, ExtendedValue, Item
from .paths import ExtendedFieldURI, FieldURI, IndexedFieldURI, Path
from .recurrence import Recurrence
from .timezones import today as local_today
from .values import Mailbox

START, DUE, RECURRENCE = "task:StartDate", "task:DueDate", "task:Recurrence"
CHANGE_COUNT, LAST_MODIFIED = "task:ChangeCount", "item:LastModifiedTime"
#: "the client's version is unknown": every property counts as changed since then
ALL_CHANGED = frozenset({"*"})


@dataclass(frozen=True)
class ApplyContext:
    now: dt.datetime
    zone: dt.tzinfo
    new_item_id: Callable[[], str]
    conflict_resolution: ConflictResolution = ConflictResolution.AUTO_RESOLVE
    message_disposition: str | None = None
    strict: bool = False
    #: UpdateItem's SendMeetingInvitationsOrCancellations / CreateItem's SendMeetingInvitations
    send_meeting_invitations: str | None = None
    #: the acting mailbox as a sender and organizer (Name = its display name)
    sender: Mailbox | None = None

    @property
    def today(self) -> dt.date:
        return local_today(self.now, self.zone)


@dataclass
class Outcome:
    """What an ItemChange produced: the new master state, what changed, and an optional one-off."""

    item: Item
    changed: dict[str, tuple[Any, Any]]
    conflicts: int = 0
    spawned: Item | None = None
    #: the message was sent (MessageDisposition SendOnly/SendAndSaveCopy): UpdateItem returns no item
    sent: bool = False
    #: meeting requests this change sends (SendMeetingInvitationsOrCancellations)
    invitations: tuple[calendar.Invitation, ...] = ()
    #: what UpdateItem answers with when it is not ``item`` or ``spawned`` (an occurrence of ``item``)
    response: Item | None = None
    #: the attachments the item has after the change when the change replaced them (MIME content: the MIME is
    #: the whole message), not stored yet; None leaves the stored ones as they are
    attachments: tuple[Attachment, ...] | None = None

    @property
    def response_item(self) -> Item:
        if self.response is not None:
            return self.response
        return self.spawned if self.spawned is not None else self.item


@dataclass
class _Scratch:
    """Per-ItemChange bookkeeping the rules need beyond the values themselves."""

    complete_date_set: bool = False
    explicit_complete_date: dt.date | None = None
    client_date_change: bool = False
    normalised: set[str] = field(default_factory=set)
    named: set[str] = field(default_factory=set)
    #: CreateItem (not UpdateItem): MIME content may set read-only properties
    creating: bool = False
    #: the attachments of the last MIME content set (None: no MIME content was set)
    mime_attachments: tuple[Attachment, ...] | None = None


@dataclass
class Created:
    """A new item and the attachments its MIME content carried (stored by the operation with the item)."""

    item: Item
    attachments: tuple[Attachment, ...] = ()


# ---- per-property application -----------------------------------------------------------------------------


def _field_for(path: Path, item_type: str) -> FieldDef:
    """The property ``path`` names, as the item's type defines it (a meeting request's calendar:Start is
    read-only, a calendar item's is not)."""
    f = F.field_of(item_type, path.uri) if isinstance(path, FieldURI) else None
    if f is None:
        raise EwsError("ErrorInvalidPropertyRequest", path)
    return f


def check_single_property(change: FieldChange) -> None:
    if len(change.found) != 1:
        raise EwsError("ErrorIncorrectUpdatePropertyCount")
    found = change.found[0]
    same = found == change.path if not isinstance(found, ExtendedFieldURI) else (
        isinstance(change.path, ExtendedFieldURI) and found.key == change.path.key
        and found.property_type == change.path.property_type
    )
    if not same:
        raise EwsError("ErrorUpdatePropertyMismatch", change.path)


def _apply_extended(w: Item, change: FieldChange) -> None:
    path = change.path
    assert isinstance(path, ExtendedFieldURI)
    check_path(path)
    if change.action is Action.DELETE:
        w.extended.pop(path.key, None)
        return
    if change.action is Action.APPEND:
        raise EwsError("ErrorInvalidPropertyAppend", path)
    check_value(path, change.value)
    w.extended[path.key] = ExtendedValue(path, change.value)


def _normalise_value(f: FieldDef, value: Any, item_type: str) -> Any:
    if f.max_length is not None and isinstance(value, str):
        return value[: f.max_length]
    if f.uri == "item:ItemClass":
        expected = ITEM_CLASSES.get(item_type, "")
        if item_type != "Item" and value.split(".")[:2] != expected.split(".")[:2]:
            raise EwsError("ErrorObjectTypeChanged", FieldURI(f.uri))
    if f.kind == "strings":
        return tuple(value)
    return value


#: kinds whose empty value means "absent" (an empty recipient list or dictionary is not kept)
_ABSENT_WHEN_EMPTY = F.COLLECTION_KINDS | F.DICTIONARY_KINDS


def _set(w: Item, f: FieldDef, value: Any, stored: Item, s: _Scratch, ctx: ApplyContext) -> None:
    values, uri = w.values, f.uri
    if uri in s.normalised and value == stored.values.get(uri):
        return  # a re-sent stored value must not undo the server's own re-anchoring in this ItemChange (D12)
    if uri == task_rules.STATUS:
        task_rules.set_status(values, value, ctx.today, s.complete_date_set)
    elif uri == task_rules.PERCENT:
        task_rules.set_percent(values, Decimal(value), ctx.today, s.complete_date_set)
    elif uri == task_rules.COMPLETE_DATE:
        task_rules.set_complete_date(values, value, ctx.today)
        s.complete_date_set, s.explicit_complete_date = True, value
    elif uri == RECURRENCE:
        _set_recurrence(w, value, s, ctx)
    elif f.kind == F.MIME:
        _set_mime(w, value, stored, s, ctx)
    elif f.kind in _ABSENT_WHEN_EMPTY and not value:
        values.pop(uri, None)
    else:
        if uri in (START, DUE) and value != stored.values.get(uri):
            s.client_date_change = True
        values[uri] = _normalise_value(f, value, w.item_type)


def _set_mime(w: Item, raw: bytes, stored: Item, s: _Scratch, ctx: ApplyContext) -> None:
    """MIME content sets the properties its headers and body carry (core.mime's table), as Exchange converts
    it; nothing keeps the MIME text itself. A new item (``stored`` is the blank one) takes every property the
    MIME names, read-only ones too (DateTimeSent from Date, InternetMessageId from Message-ID); a draft being
    updated only those a client could set. Its attachment parts become the item's file attachments, handed to
    the operation (core stores nothing): they replace every attachment a draft had, as the MIME is the whole
    message; HasAttachments follows them."""
    path = FieldURI("item:MimeContent")
    if w.item_type not in mime.MESSAGE_MIME_TYPES:
        raise EwsError("ErrorUnsupportedMimeConversion", path)
    try:
        parsed = mime.parse(raw)
    except mime.MimeError:
        raise EwsError("ErrorMimeContentConversionFailed", path) from None
    for uri, value in parsed.values.items():
        f = F.field_of(w.item_type, uri)
        if f is None or (not s.creating and (f.read_only or f.create_only)):
            continue
        _set(w, f, value, stored, s, ctx)
    s.mime_attachments = tuple(_mime_attachment(part, w, ctx) for part in parsed.attachments)
    w.values[HAS_ATTACHMENTS] = shown(s.mime_attachments)


def _mime_attachment(part: mime.MimeAttachment, w: Item, ctx: ApplyContext) -> Attachment:
    """A part of MIME content as the attachment it is: a file, or an attached message (an item attachment
    made from the embedded message as CreateItem makes one from MIME, with its own attachments)."""
    if part.content_type != mime.EMBEDDED:
        return mime.as_file(part)
    inner = create("Message", [FieldChange(Action.SET, FieldURI(mime.MIME_CONTENT), part.content)], ctx,
                   mailbox=w.mailbox, folder_id="", owner="")
    meta = replace(mime.meta_of(part), name=part.name or inner.item.values.get("item:Subject"))
    return ItemAttachment(meta, inner.item, inner.attachments, None, item_size(inner.item, inner.attachments))


def _append(w: Item, f: FieldDef, value: Any) -> None:
    if f.read_only or f.create_only:  # a create-only value is read-only once the item exists, as for Set
        raise EwsError("ErrorInvalidPropertySet", FieldURI(f.uri))
    if not f.appendable:
        raise EwsError("ErrorInvalidPropertyAppend", FieldURI(f.uri))
    current = w.values.get(f.uri)
    if f.kind in F.COLLECTION_KINDS:  # recipients and attendees: the new ones after the current ones
        if current or value:
            w.values[f.uri] = tuple(current or ()) + tuple(value)
    elif current is None:
        w.values[f.uri] = value
    elif current.body_type != value.body_type:
        raise EwsError("ErrorInvalidPropertyAppend", FieldURI(f.uri))
    else:
        w.values[f.uri] = Body(current.text + value.text, current.body_type)


#: what DeleteItemField item:Body leaves: Exchange's own test suites read Body.Value afterwards (D33)
EMPTY_BODY = Body("", "Text")


def _delete(w: Item, f: FieldDef, stored: Item, s: _Scratch) -> None:
    if not f.deletable:
        raise EwsError("ErrorInvalidPropertyDelete", FieldURI(f.uri))
    if f.uri == task_rules.COMPLETE_DATE:
        task_rules.delete_complete_date(w.values)
        return
    if f.uri in (START, DUE) and f.uri in stored.values:
        s.client_date_change = True
    if f.kind == F.BODY and f.uri in w.values:
        w.values[f.uri] = EMPTY_BODY  # D33: a deleted body reads back empty, not absent
        return
    w.values.pop(f.uri, None)


def _apply_change(w: Item, change: FieldChange, stored: Item, s: _Scratch, ctx: ApplyContext) -> None:
    if change.action is not Action.DELETE:
        check_single_property(change)
    path = change.path
    s.named.add(path.key)
    if isinstance(path, ExtendedFieldURI):
        _apply_extended(w, change)
        return
    if isinstance(path, IndexedFieldURI):
        _apply_indexed(w, change)
        return
    f = _field_for(path, w.item_type)
    _check_type_rules(w, stored, f, change.action)
    if change.action is Action.DELETE:
        _delete(w, f, stored, s)
    elif change.action is Action.APPEND:
        _append(w, f, change.value)
    else:
        if f.read_only or f.create_only:
            raise EwsError("ErrorInvalidPropertySet", path)
        if change.value is UNPARSED:
            raise EwsError("ErrorInvalidPropertyRequest", path)
        _set(w, f, change.value, stored, s, ctx)


def _check_type_rules(w: Item, stored: Item, f: FieldDef, action: Action) -> None:
    """Rules of one item type on any change of a property: sent messages, occurrences of a series."""
    if w.item_type in MESSAGE_TYPES:
        messages.check_change(stored, f, action is Action.DELETE)
    elif (w.item_type == "CalendarItem" and f.uri in calendar.SERIES_ONLY
          and stored.values.get(calendar.ITEM_TYPE) in (calendar.OCCURRENCE, calendar.EXCEPTION)):
        raise EwsError("ErrorInvalidPropertySet" if action is not Action.DELETE else "ErrorInvalidPropertyDelete",
                       FieldURI(f.uri))


def _apply_indexed(w: Item, change: FieldChange) -> None:
    """One dictionary entry (a physical address: one member of it), named by FieldURI + FieldIndex."""
    path = change.path
    assert isinstance(path, IndexedFieldURI)
    d = F.indexed(path.uri)
    f = F.field_of(w.item_type, d.dictionary) if d is not None else None
    if d is None or f is None:
        raise EwsError("ErrorInvalidPropertyRequest", path)
    if f.read_only:
        raise EwsError("ErrorInvalidPropertyDelete" if change.action is Action.DELETE else "ErrorInvalidPropertySet",
                       path)
    if f.kind == F.MEMBERS:  # one member, by its Key: only DeleteItemField names one
        if change.action is not Action.DELETE:
            raise EwsError("ErrorInvalidPropertyAppend" if change.action is Action.APPEND
                           else "ErrorInvalidPropertySet", path)
        distribution_lists.delete_member(w, path)
        return
    if path.index not in d.keys:
        raise EwsError("ErrorInvalidPropertyRequest", path)
    if change.action is Action.APPEND:
        raise EwsError("ErrorInvalidPropertyAppend", path)
    current = w.values.get(f.uri, ())
    if change.action is Action.DELETE:
        new = contacts.delete_entry(f.kind, current, d, path.index)
    else:
        if change.value is UNPARSED:
            raise EwsError("ErrorInvalidPropertyRequest", path)
        entry = next(e for e in change.value if e.key == path.index)
        new = contacts.set_entry(f.kind, current, d, entry)
    if new:
        w.values[f.uri] = new
    else:
        w.values.pop(f.uri, None)


# ---- recurrence on set (§5.2, D12) --------------------------------------------------------------------------


def _anchor(values: dict[str, Any]) -> dt.date | None:
    return values.get(START) or values.get(DUE)


def _move_occurrence(values: dict[str, Any], new_anchor: dt.date, span: dt.timedelta) -> None:
    """Move the task's dates so the anchor (StartDate, else DueDate) is ``new_anchor``, keeping the span."""
    if START in values:
        values[START] = new_anchor
        values[DUE] = new_anchor + span
    else:
        values[DUE] = new_anchor


def _span(values: dict[str, Any]) -> dt.timedelta:
    if START in values and DUE in values:
        return values[DUE] - values[START]
    return dt.timedelta()


def _set_recurrence(w: Item, new: Recurrence, s: _Scratch, ctx: ApplyContext) -> None:
    try:
        rec_mod.validate(new, strict=ctx.strict)
    except EwsError as err:
        raise EwsError(err.code, FieldURI(RECURRENCE), values=err.values) from None
    current: Recurrence | None = w.values.get(RECURRENCE)
    if current is not None and rec_mod.same(current, new):
        return
    values = w.values
    if current is None:
        normal = rec_mod.normalized(new)
        _move_occurrence(values, normal.range.start, _span(values))
        s.normalised.update((START, DUE))
        values[RECURRENCE] = normal
    elif new.range.start != current.range.start:
        values[RECURRENCE] = new  # a reschedule (non-regenerating) or an in-place change (regenerating)
        if not current.regenerating:
            s.client_date_change = True
    else:
        normal = rec_mod.normalized(new)
        anchor = _anchor(values)
        if anchor is not None and not normal.regenerating:
            moved = rec_mod.first_on_or_after(normal, anchor)
            if moved is None:
                raise EwsError("ErrorRecurrenceHasNoOccurrence", FieldURI(RECURRENCE))
            _move_occurrence(values, moved, _span(values))
            s.normalised.update((START, DUE))
        values[RECURRENCE] = normal


# ---- whole-item rules -----------------------------------------------------------------------------------------


def _finish(w: Item, stored: Item | None, ctx: ApplyContext) -> None:
    """The item type's rules once every change of the ItemChange (or CreateItem) is applied."""
    if w.item_type == "Task":
        _check_dates(w)
    elif w.item_type == "CalendarItem":
        calendar.finish(w, stored, ctx.now, ctx.zone)
    elif w.item_type in MESSAGE_TYPES:
        messages.finish(w)
    elif w.item_type == "PostItem":
        posts.finish(w)
    elif w.item_type == "DistributionList":
        distribution_lists.finish(w, stored)


def _check_dates(w: Item) -> None:
    """D4 plus "a start date requires a due date" (OXOTASK)."""
    start, due = w.values.get(START), w.values.get(DUE)
    if start is not None and due is None:
        w.values[DUE] = start
    elif start is not None and start > due:
        raise EwsError("ErrorCalendarEndDateIsEarlierThanStartDate", FieldURI(DUE))


def diff(before: Item, after: Item) -> dict[str, tuple[Any, Any]]:
    """Property keys whose value differs, with (old, new); absent is None."""
    out: dict[str, tuple[Any, Any]] = {}
    for key in before.values.keys() | after.values.keys():
        old, new = before.values.get(key), after.values.get(key)
        if old != new:
            out[key] = (old, new)
    for key in before.extended.keys() | after.extended.keys():
        old_x, new_x = before.extended.get(key), after.extended.get(key)
        if old_x != new_x:
            out[key] = (old_x.value if old_x else None, new_x.value if new_x else None)
    return out


#: on a recurring task these describe the current occurrence, not the series
_OCCURRENCE_STATE = frozenset({task_rules.STATUS, task_rules.PERCENT, task_rules.COMPLETE_DATE})


def _occurrence_moved(stored: Item, changed_since: frozenset[str] | None) -> frozenset[str] | None:
    """D3 on a recurring task: once the current occurrence moved (completed and spawned, or split off), its
    status fields count as changed too, so two clients completing the same occurrence make one one-off."""
    if changed_since is None or RECURRENCE not in stored.values or not {START, DUE} & changed_since:
        return changed_since
    return changed_since | _OCCURRENCE_STATE


def check_conflicts(touched: Iterable[str], changed_since: frozenset[str] | None, mode: ConflictResolution) -> int:
    """D3: raise ErrorIrresolvableConflict or return ConflictResults/Count."""
    if changed_since is None:
        return 0
    if mode is ConflictResolution.NEVER_OVERWRITE:
        raise EwsError("ErrorIrresolvableConflict")
    overlap = [k for k in touched if "*" in changed_since or k in changed_since]
    if not overlap:
        return 0
    if mode is ConflictResolution.AUTO_RESOLVE:
        raise EwsError("ErrorIrresolvableConflict")
    return len(overlap)


def _bump(item: Item, now: dt.datetime) -> None:
    item.version += 1
    item.change_key = IdFactory.change_key(item.id, item.version)
    item.values[LAST_MODIFIED] = now


# ---- recurring tasks (§5.4–5.6, D7–D11, D17) -------------------------------------------------------------------


def _one_off(w: Item, ctx: ApplyContext) -> Item:
    """D7: a non-recurring copy of W with its own identity."""
    o = w.copy()
    o.id = ctx.new_item_id()
    o.version = 1
    o.change_key = IdFactory.change_key(o.id, 1)
    o.values.pop(RECURRENCE, None)
    o.values[CHANGE_COUNT] = 1
    o.values["item:DateTimeCreated"] = ctx.now
    o.values[LAST_MODIFIED] = ctx.now
    return o


def _advance_master(m: Item, stored: Item, next_anchor: dt.date | None, next_due: dt.date | None,
                    spawned: bool = True) -> None:
    """D8: the master moves to the next occurrence, reset to NotStarted, one occurrence fewer."""
    values = m.values
    span = _span(stored.values)
    old_due = values.get(DUE)
    if next_due is not None:  # regenerating: the due date is what regeneration computes
        values[DUE] = next_due
        if START in stored.values:
            values[START] = next_due - span
        else:  # spec §5.4: no start date unless the occurrence had one (a client's new one could pass the due)
            values.pop(START, None)
    elif next_anchor is not None:
        if START in stored.values:
            values[START] = next_anchor
            values[DUE] = next_anchor + span
        else:
            values.pop(START, None)
            values[DUE] = next_anchor
    values[task_rules.STATUS] = task_rules.NOT_STARTED
    values[task_rules.PERCENT] = task_rules.ZERO
    values.pop(task_rules.COMPLETE_DATE, None)
    values[RECURRENCE] = rec_mod.decremented(values[RECURRENCE])
    if spawned:  # D17
        values[CHANGE_COUNT] = int(values.get(CHANGE_COUNT, 1)) + 1
    reminder = values.get("item:ReminderDueBy")
    if values.get("item:ReminderIsSet") and reminder is not None and old_due is not None and DUE in values:
        values["item:ReminderDueBy"] = reminder + (values[DUE] - old_due)


def _recurring(stored: Item, w: Item, s: _Scratch, ctx: ApplyContext) -> Item | None:
    """Run the one-off rules on W (the future master); return the spawned one-off, if any."""
    old: Recurrence | None = stored.values.get(RECURRENCE)
    if old is None or w.values.get(RECURRENCE) is None:
        return None
    completing = (w.values.get(task_rules.STATUS) == task_rules.COMPLETED
                  and stored.values.get(task_rules.STATUS) != task_rules.COMPLETED)
    rescheduling = s.client_date_change and not old.regenerating
    if not (completing or rescheduling):
        return None
    next_anchor = next_due = None
    # the next date comes from the stored pattern; whether the series goes on, from the range the master keeps
    # (the client may have replaced it in this ItemChange, e.g. by a Numbered range with one occurrence left)
    kept = _with_range_count(w.values[RECURRENCE], old)
    if old.regenerating:
        completed_on = s.explicit_complete_date or ctx.now.date()  # D9: the UTC date of completion
        next_due = rec_mod.regenerate(old, completed_on)
        exists = rec_mod.has_next(kept, next_due)
    else:
        bound = stored.values.get(DUE) or stored.values.get(START)
        next_anchor = rec_mod.next_after(old, bound) if bound is not None else None
        exists = rec_mod.has_next(kept, next_anchor)
    if not exists:
        if completing:  # the last occurrence: the series is finished, the master itself is the completed task
            w.values.pop(RECURRENCE, None)
        return None
    one_off = _one_off(w, ctx)
    if completing:
        one_off.values["item:ReminderIsSet"] = False
    # keep the client's range (e.g. a new range StartDate) but with the visible count of the stored range
    w.values[RECURRENCE] = kept
    _advance_master(w, stored, next_anchor, next_due)
    return one_off


def _with_range_count(new: Recurrence, old: Recurrence) -> Recurrence:
    if isinstance(new.range, rec_mod.NumberedRecurrence) and isinstance(old.range, rec_mod.NumberedRecurrence):
        return Recurrence(new.pattern, rec_mod.NumberedRecurrence(new.range.start, old.range.count))
    return new


# ---- entry points ---------------------------------------------------------------------------------------------


def apply_item_change(
    stored: Item,
    changes: Sequence[FieldChange],
    ctx: ApplyContext,
    changed_since: frozenset[str] | None = None,
) -> Outcome:
    """Apply one ItemChange. ``changed_since`` is None when the request's ChangeKey is current or absent,
    else the keys changed after the client's version (ALL_CHANGED when that version is unknown)."""
    if stored.task_request_sent:
        raise EwsError("ErrorSentTaskRequestUpdate")
    sending = ctx.message_disposition in messages.SEND_DISPOSITIONS
    if stored.item_type == "Task" and sending:
        raise EwsError("ErrorInvalidOperation", message="Tasks cannot be sent; use MessageDisposition SaveOnly.")
    w = stored.copy()
    s = _Scratch()
    for change in changes:
        _apply_change(w, change, stored, s, ctx)
    _finish(w, stored, ctx)
    touched = [k for k in s.named if k in diff(stored, w)]
    conflicts = check_conflicts(touched, _occurrence_moved(stored, changed_since), ctx.conflict_resolution)
    spawned = _recurring(stored, w, s, ctx) if w.item_type == "Task" else None
    sent, invitations = _deliveries(stored, w, ctx)
    changed = diff(stored, w)
    if changed or s.mime_attachments is not None:  # new MIME content is a new version, whatever it carries
        _bump(w, ctx.now)
        changed = diff(stored, w)
    return Outcome(item=w, changed=changed, conflicts=conflicts, spawned=spawned, sent=sent,
                   invitations=invitations, attachments=s.mime_attachments)


def _deliveries(stored: Item | None, w: Item, ctx: ApplyContext) -> tuple[bool, tuple[calendar.Invitation, ...]]:
    """Sending a message (MessageDisposition) or meeting requests (SendMeetingInvitations[OrCancellations]):
    the bookkeeping on ``w``; the copies themselves are the operation's to deliver."""
    if w.item_type in MESSAGE_TYPES and ctx.message_disposition in messages.SEND_DISPOSITIONS:
        messages.mark_sent(w, ctx.sender or Mailbox(w.mailbox), ctx.now)
        return True, ()
    if w.item_type == "CalendarItem":
        return False, calendar.plan_invitations(stored, w, ctx.send_meeting_invitations)
    return False, ()


def apply_occurrence_change(
    master: Item,
    index: int,
    changes: Sequence[FieldChange],
    ctx: ApplyContext,
    changed_since: frozenset[str] | None = None,
) -> Outcome:
    """Apply one ItemChange to occurrence ``index`` of a recurring calendar item: the occurrence becomes (or
    stays) an exception kept in its master. ``item`` is the master to save, ``response`` the occurrence."""
    before = calendar.materialize(master, index)
    occurrence = apply_item_change(before, changes, ctx, changed_since)
    new = calendar.with_exception(master, index, occurrence.item)
    for uri in (calendar.WAS_SENT, calendar.SEQUENCE):  # meeting bookkeeping belongs to the series
        if uri in occurrence.item.values:
            new.values[uri] = occurrence.item.values[uri]
    changed = diff(master, new)
    if changed:
        _bump(new, ctx.now)
        changed = diff(master, new)
    return Outcome(item=new, changed=changed, conflicts=occurrence.conflicts, invitations=occurrence.invitations,
                   response=calendar.materialize(new, index))


def delete_occurrence(stored: Item, now: dt.datetime) -> Outcome:
    """DeleteItem SpecifiedOccurrenceOnly: the master skips its current occurrence (spec §5.3).

    Not permitted for regenerating or non-recurring tasks, nor for the last occurrence.
    """
    rec: Recurrence | None = stored.values.get(RECURRENCE)
    if rec is None or rec.regenerating:
        raise EwsError("ErrorCannotDeleteTaskOccurrence")
    bound = stored.values.get(DUE) or stored.values.get(START)
    next_anchor = rec_mod.next_after(rec, bound) if bound is not None else None
    if not rec_mod.has_next(rec, next_anchor):
        raise EwsError("ErrorCannotDeleteTaskOccurrence")
    w = stored.copy()
    _advance_master(w, stored, next_anchor, None, spawned=False)
    _bump(w, now)
    return Outcome(item=w, changed=diff(stored, w))


def delete_calendar_occurrence(master: Item, index: int, now: dt.datetime) -> Outcome:
    """DeleteItem of one occurrence of a recurring calendar item: its master lists it as deleted."""
    w = calendar.without_occurrence(master, index)
    _bump(w, now)
    return Outcome(item=w, changed=diff(master, w))


def item_defaults(now: dt.datetime, item_type: str = "Item") -> dict[str, Any]:
    """What every new item has before the client's properties, as Exchange gives it: its class, Normal
    sensitivity and importance, no reminder, and its creation, receipt and modification times."""
    return {
        "item:ItemClass": ITEM_CLASSES[item_type],
        "item:Sensitivity": "Normal",
        "item:Importance": "Normal",
        "item:ReminderIsSet": False,
        "item:ReminderMinutesBeforeStart": 0,
        "item:IsAssociated": False,
        "item:DateTimeCreated": now,
        "item:DateTimeReceived": now,
        LAST_MODIFIED: now,
    }


def task_defaults(now: dt.datetime) -> dict[str, Any]:
    return {
        **item_defaults(now, "Task"),
        task_rules.STATUS: task_rules.NOT_STARTED,
        task_rules.PERCENT: task_rules.ZERO,
        CHANGE_COUNT: 1,
    }


def create_item(item_type: str, properties: Sequence[FieldChange], ctx: ApplyContext, **where: str) -> Item:
    """:func:`create`'s item (``where``: its mailbox, folder_id and owner) for a caller that stores no
    attachments with it (the attachments of MIME content are :func:`create`'s)."""
    return create(item_type, properties, ctx, **where).item


def create(
    item_type: str,
    properties: Sequence[FieldChange],
    ctx: ApplyContext,
    *,
    mailbox: str,
    folder_id: str,
    owner: str,
) -> Created:
    """Build a new item from the properties of a CreateItem item element, in document order, with the file
    attachments its MIME content carries (HasAttachments already set from them)."""
    item_id = ctx.new_item_id()
    item = Item(id=item_id, mailbox=mailbox, folder_id=folder_id, item_type=item_type, version=1,
                change_key=IdFactory.change_key(item_id, 1))
    if item_type == "Task":
        item.values.update(task_defaults(ctx.now))
        item.values["task:Owner"] = owner
    elif item_type in MESSAGE_TYPES:
        item.values.update(messages.defaults(ctx.now, item_id, mailbox.rsplit("@", 1)[-1]))
    elif item_type == "CalendarItem":
        organizer = ctx.sender or Mailbox(mailbox, owner, "SMTP", "Mailbox")
        item.values.update(calendar.defaults(ctx.now, item_id, organizer))
    elif item_type == "Contact":
        item.values.update(contacts.defaults(ctx.now))
    elif item_type == "PostItem":
        poster = ctx.sender or Mailbox(mailbox, owner, "SMTP", "Mailbox")
        item.values.update(posts.defaults(ctx.now, item_id, mailbox.rsplit("@", 1)[-1], poster))
    elif item_type == "DistributionList":
        item.values.update(item_defaults(ctx.now, item_type))
        item.values[distribution_lists.CONTACT_SOURCE] = distribution_lists.STORE
    else:  # the generic t:Item
        item.values.update(item_defaults(ctx.now))
    blank = item.copy()
    s = _Scratch(creating=True)
    # the recurrence is normalised against the finished dates, whatever its position in the element
    ordered = sorted(properties, key=lambda p: isinstance(p.path, FieldURI) and p.path.uri == RECURRENCE)
    for prop in ordered:
        path = prop.path
        if isinstance(path, ExtendedFieldURI):
            _apply_extended(item, prop)
            continue
        f = _field_for(path, item_type)
        if f.ignored_on_create:
            continue
        if f.read_only:  # D36: every other read-only property is refused on create as on update
            raise EwsError("ErrorInvalidPropertySet", path)
        _set(item, f, prop.value, blank, s, ctx)
    _finish(item, None, ctx)
    return Created(item, s.mime_attachments or ())


def deliveries_on_create(item: Item, ctx: ApplyContext) -> tuple[bool, tuple[calendar.Invitation, ...]]:
    """What CreateItem sends for a new item (its MessageDisposition / SendMeetingInvitations), with the sent
    bookkeeping applied to ``item``: (the message is sent, the meeting requests to deliver)."""
    return _deliveries(None, item, ctx)
