"""Event notifications (Subscribe, GetEvents, push, GetStreamingEvents): the subscription model and the one rule
that turns change-journal entries into the events a subscription sees (D40).

Pure domain: no SQL (store/subscriptions.py keeps subscriptions, store/journal.py the entries), no XML
(protocol/notification_xml.py renders a :class:`Notification`), no requests (operations/notifications.py runs
them). Events come from committed journal entries only, so no event is ever raised for a write that rolled back,
and they come in commit order.

What a write raises (Microsoft's "Pull notifications for EWS deletion-related mailbox events" table for Exchange
2013 and Exchange Online, and "Notification subscriptions, mailbox events, and EWS"): the object's own event,
plus a ModifiedEvent for every folder whose contents changed (the parent of a created, deleted or copied
object; both parents of a moved one; the folder of a message whose IsRead changed, i.e. its UnreadCount).
In detail:

=====================  ===========================================================================================
item created           CreatedEvent; NewMailEvent too for mail delivered into the mailbox (:data:`DELIVERED`);
                       FreeBusyChangedEvent in a calendar folder; ModifiedEvent of its folder
item modified          ModifiedEvent; FreeBusyChangedEvent in a calendar; ModifiedEvent of its folder when IsRead
                       changed
item deleted (hard)    DeletedEvent; FreeBusyChangedEvent in a calendar; ModifiedEvent of its folder
item moved             MovedEvent (the new ItemId, OldItemId the one it had: DeleteItem's SoftDelete and
                       MoveToDeletedItems are moves too); ModifiedEvent of the old and the new folder
item copied            CopiedEvent (OldItemId the original); ModifiedEvent of the destination
folder created         CreatedEvent (FolderId); ModifiedEvent of its parent
folder modified        ModifiedEvent
folder deleted         DeletedEvent; ModifiedEvent of its parent
folder moved           MovedEvent (OldFolderId is the same id); ModifiedEvent of the old and the new parent
=====================  ===========================================================================================

A subscription to folders (``FolderIds``) sees the events of the objects in those folders (an event whose
ParentFolderId or OldParentFolderId is one of them: items in them, their child folders, and what moved in or
out) and the events of the folders themselves (their ModifiedEvent when their contents change);
``SubscribeToAllFolders`` sees every event of the mailbox. Each event's Watermark is the journal position of the
entry that raised it; a subscription's ``position`` is the newest position it has been given events up to.

The interface the streaming side (GetStreamingEvents) uses, beside the store's (store/subscriptions.py) and the
renderer (protocol/notification_xml.py):

- :class:`Subscription` (``kind`` :data:`STREAMING`), :func:`expired` / :func:`expiry` (a streaming subscription
  lives :data:`STREAMING_IDLE` after its last activity: renew it while a connection is open);
- :func:`select` (entries + the mailbox's folders -> the events one subscription sees, at most ``limit``), or
  simply ``operations.notifications.next_batch`` which reads the journal and does it;
- :func:`status_event` for a keep-alive without events.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Protocol, Sequence

from .folders import Folder

# ---- subscriptions ----------------------------------------------------------------------------------------

PULL, PUSH, STREAMING = "pull", "push", "streaming"
KINDS = (PULL, PUSH, STREAMING)

#: the event types a subscription may ask for (t:NotificationEventTypeType), in the schema's order
EVENT_TYPES = ("CopiedEvent", "CreatedEvent", "DeletedEvent", "ModifiedEvent", "MovedEvent", "NewMailEvent",
               "FreeBusyChangedEvent")
COPIED, CREATED, DELETED, MODIFIED, MOVED, NEW_MAIL, FREE_BUSY = EVENT_TYPES
#: never subscribed to: the server's "nothing happened" answer and push/streaming keep-alive
STATUS = "StatusEvent"

#: the journal's names for what happened (store/journal.py; tests/core/test_notifications.py checks they agree)
ITEM, FOLDER = "item", "folder"
J_CREATED, J_MODIFIED, J_DELETED, J_MOVED, J_COPIED = "created", "modified", "deleted", "moved", "copied"

#: the key a delivered message's ``created`` journal entry carries in its changes (Store.deliver_item): the
#: message arrived by mail (operations/delivery.py), so it raises a NewMailEvent
DELIVERED = "ewsemu:delivered"
#: the changed key that moves a folder's UnreadCount
IS_READ = "message:IsRead"
#: folder classes whose items are on the owner's free/busy
CALENDAR_CLASS = "IPF.Appointment"

#: Timeout (pull) and StatusFrequency (push) bounds, in minutes (the schema's facets)
MIN_MINUTES, MAX_MINUTES = 1, 1440
#: StatusFrequency when a request leaves it out (the StatusFrequency reference page)
DEFAULT_STATUS_FREQUENCY = 30
#: a streaming subscription without any connection lives this long after its last activity
STREAMING_IDLE = dt.timedelta(minutes=30)
#: events per GetEvents response (the GetEvents operation reference: "the first 50 events")
EVENTS_PER_NOTIFICATION = 50
#: a failed push delivery is retried after 30 s, then after twice the time before, while the retry falls within
#: StatusFrequency of the first failure; then the subscription ends (the StatusFrequency reference page)
FIRST_RETRY = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Subscription:
    """One subscription. ``mailbox`` is the mailbox whose events it gets, ``principal`` the authenticated user who
    made it (only they may use it: ErrorSubscriptionAccessDenied). ``folder_ids`` None is SubscribeToAllFolders.
    ``position``: the journal position events have been handed out up to. ``last_activity``: the last Subscribe,
    GetEvents or streaming connection (a pull subscription's Timeout counts from it).

    Push delivery state: ``next_attempt`` (when the deliverer next sends: at once when events are pending, else
    a StatusEvent after StatusFrequency), ``failing_since`` (the first failed attempt of the current run of
    failures, None while deliveries succeed) and ``retries`` (failed attempts in that run)."""

    id: str
    mailbox: str
    principal: str
    kind: str
    folder_ids: frozenset[str] | None
    event_types: frozenset[str]
    position: int
    created: dt.datetime
    last_activity: dt.datetime
    timeout: int | None = None
    status_frequency: int | None = None
    url: str | None = None
    caller_data: str | None = None
    next_attempt: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    retries: int = 0


def expiry(sub: Subscription) -> dt.datetime | None:
    """When the subscription ends unless renewed: a pull one Timeout minutes after its last GetEvents, a
    streaming one :data:`STREAMING_IDLE` after its last activity; a push one ends only by its deliveries."""
    if sub.kind == PULL and sub.timeout is not None:
        return sub.last_activity + dt.timedelta(minutes=sub.timeout)
    if sub.kind == STREAMING:
        return sub.last_activity + STREAMING_IDLE
    return None


def expired(sub: Subscription, now: dt.datetime) -> bool:
    end = expiry(sub)
    return end is not None and now >= end


def renewed(sub: Subscription, now: dt.datetime, position: int | None = None) -> Subscription:
    """After a GetEvents (or a streaming batch): active now, and, with ``position``, handed out up to it."""
    return replace(sub, last_activity=now, position=sub.position if position is None else position)


# ---- push schedule ----------------------------------------------------------------------------------------


def status_interval_minutes(status_frequency: int | None) -> dt.timedelta:
    return dt.timedelta(minutes=status_frequency or DEFAULT_STATUS_FREQUENCY)


def status_interval(sub: Subscription) -> dt.timedelta:
    return status_interval_minutes(sub.status_frequency)


def after_success(sub: Subscription, now: dt.datetime, position: int, more: bool) -> Subscription:
    """A delivery the receiver answered OK: events handed out up to ``position``; the next attempt at once if
    more are waiting, else a StatusEvent after StatusFrequency (unless events come first)."""
    return replace(sub, position=position, last_activity=now, failing_since=None, retries=0,
                   next_attempt=now if more else now + status_interval(sub))


def after_failure(sub: Subscription, now: dt.datetime) -> Subscription | None:
    """A delivery that failed (no answer, an HTTP error, a refused target): the next retry, 30 s after the first
    failure and then twice as long after it each time; None (the subscription ends) once the next retry would
    fall beyond StatusFrequency after the first failure."""
    since = sub.failing_since or now
    retries = sub.retries + 1
    due = since + FIRST_RETRY * (2 ** (retries - 1))
    if due - since > status_interval(sub):
        return None
    return replace(sub, failing_since=since, retries=retries, next_attempt=due)


# ---- events -----------------------------------------------------------------------------------------------


class Change(Protocol):
    """A change-journal entry, as store/journal.py's JournalEntry has it."""

    position: int
    at: dt.datetime
    mailbox: str
    folder_id: str | None
    object_id: str
    object_kind: str
    event: str
    old_folder_id: str | None
    old_object_id: str | None
    change_key: str | None
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class Event:
    """One notification event. ``kind`` says whether ``id`` is an ItemId or a FolderId; ``old_id`` and
    ``old_parent_id`` are set for MovedEvent and CopiedEvent; ``unread_count`` for a folder's ModifiedEvent
    (filled in when the notification is built: the folder's count then). The ChangeKeys are the ones known:
    the object's after the change (before it, for a deletion), a folder's current one."""

    type: str
    position: int
    timestamp: dt.datetime
    kind: str
    id: str
    parent_id: str
    change_key: str | None = None
    parent_change_key: str | None = None
    old_id: str | None = None
    old_parent_id: str | None = None
    old_parent_change_key: str | None = None
    unread_count: int | None = None


@dataclass(frozen=True)
class Notification:
    """What GetEvents answers, a push SendNotification carries, and GetStreamingEvents streams: the events
    after ``previous`` (a journal position), ``more`` when another batch is waiting. ``events`` is never empty:
    a StatusEvent says nothing happened."""

    subscription_id: str
    previous: int
    more: bool
    events: tuple[Event, ...] = field(default=())

    @property
    def last(self) -> int:
        """The position of its last event: where the subscription now stands."""
        return self.events[-1].position if self.events else self.previous


def status_event(position: int, now: dt.datetime) -> Event:
    """The StatusEvent: only a Watermark (``position``) is rendered."""
    return Event(STATUS, position, now, FOLDER, "", "")


def _calendar(folder: Folder | None) -> bool:
    return folder is not None and (folder.folder_class or "").startswith(CALENDAR_CLASS)


def _folder_modified(entry: Change, folder_id: str | None, folders: Mapping[str, Folder]) -> list[Event]:
    """The ModifiedEvent of a folder whose contents changed; none for a folder that is gone or the root."""
    folder = folders.get(folder_id) if folder_id else None
    if folder is None or folder.parent_id is None:
        return []
    parent = folders.get(folder.parent_id)
    return [Event(MODIFIED, entry.position, entry.at, FOLDER, folder.id, folder.parent_id, folder.change_key,
                  parent.change_key if parent else None)]


def events_of(entry: Change, folders: Mapping[str, Folder]) -> list[Event]:
    """The events one journal entry raises (the table in the module docstring). ``folders``: the mailbox's
    folders now, by id (soft-deleted ones too), for parents and ChangeKeys of the folders involved."""
    if entry.folder_id is None:
        return []  # a mailbox's root: it has no parent to be reported in
    parent = folders.get(entry.folder_id)
    parent_key = parent.change_key if parent else None
    old_parent = folders.get(entry.old_folder_id) if entry.old_folder_id else None

    def own(kind: str, **extra: Any) -> Event:
        return Event(kind, entry.position, entry.at, entry.object_kind, entry.object_id, entry.folder_id,
                     entry.change_key, parent_key, **extra)

    def moved_or_copied(kind: str) -> Event:
        old_id = entry.old_object_id or entry.object_id
        return own(kind, old_id=old_id, old_parent_id=entry.old_folder_id or entry.folder_id,
                   old_parent_change_key=old_parent.change_key if old_parent else None)

    out: list[Event] = []
    contents_changed: list[str | None] = []
    if entry.event == J_CREATED:
        out.append(own(CREATED))
        if entry.object_kind == ITEM and DELIVERED in entry.changes:
            out.append(own(NEW_MAIL))
        contents_changed.append(entry.folder_id)
    elif entry.event == J_MODIFIED:
        out.append(own(MODIFIED))
        if entry.object_kind == ITEM and IS_READ in entry.changes:
            contents_changed.append(entry.folder_id)
    elif entry.event == J_DELETED:
        out.append(own(DELETED))
        contents_changed.append(entry.folder_id)
    elif entry.event == J_MOVED:
        out.append(moved_or_copied(MOVED))
        contents_changed += [entry.old_folder_id, entry.folder_id]
    elif entry.event == J_COPIED:
        out.append(moved_or_copied(COPIED))
        contents_changed.append(entry.folder_id)
    else:
        return []
    if entry.object_kind == ITEM and (_calendar(parent) or _calendar(old_parent)):
        out.append(own(FREE_BUSY))
    for folder_id in dict.fromkeys(contents_changed):
        out += _folder_modified(entry, folder_id, folders)
    return out


def sees(sub: Subscription, event: Event) -> bool:
    """Whether ``sub`` gets ``event``: one of its event types, in (or about) one of its folders."""
    if event.type not in sub.event_types:
        return False
    if sub.folder_ids is None:
        return True
    watched = sub.folder_ids
    return (event.parent_id in watched or (event.old_parent_id is not None and event.old_parent_id in watched)
            or (event.kind == FOLDER and event.id in watched))


@dataclass(frozen=True)
class Selection:
    """The events of a run of journal entries one subscription sees. ``through``: the position of the last entry
    taken (the subscription's new position once they are handed out); ``complete``: every entry given was taken
    (else the limit stopped it, and more events are waiting)."""

    events: tuple[Event, ...]
    through: int
    complete: bool


def select(sub: Subscription, entries: Sequence[Change], folders: Mapping[str, Folder], start: int,
           limit: int = EVENTS_PER_NOTIFICATION) -> Selection:
    """The events ``sub`` sees in ``entries`` (after ``start``, oldest first), whole entries at a time (events of
    one entry share its Watermark, so a batch never ends inside one) until ``limit`` events are taken."""
    taken: list[Event] = []
    through = start
    for i, entry in enumerate(entries):
        seen = [e for e in events_of(entry, folders) if sees(sub, e)]
        if seen and taken and len(taken) + len(seen) > limit:
            return Selection(tuple(taken), through, False)
        taken += seen
        through = entry.position
        if len(taken) >= limit and i < len(entries) - 1:
            return Selection(tuple(taken), through, False)
    return Selection(tuple(taken), through, True)


def with_unread_counts(events: Iterable[Event], unread: Mapping[str, int]) -> tuple[Event, ...]:
    """Each folder ModifiedEvent with the folder's UnreadCount (``unread``: by folder id; absent is 0)."""
    return tuple(replace(e, unread_count=unread.get(e.id, 0)) if e.type == MODIFIED and e.kind == FOLDER else e
                 for e in events)
