"""Delivering mail between the mailboxes of this server: sent messages and meeting requests.

A recipient is *local* when it is a mailbox of this server: in the open default any SMTP address is (its
mailbox is created on first use, like a login's), with a users file only the users in it. Mail for anyone
else leaves the server and is not emulated further.

Mailboxes are created before the write transaction that delivers (creating one writes, and SQLite cannot nest
it); the copies are written in the same transaction as the change that sends them, so a failed change delivers
nothing and an acknowledged send is never lost (a transport delay after the commit would be: a server stopped
in between would drop the mail).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Sequence

from ..core import calendar, messages
from ..core.apply import ApplyContext, Outcome, apply_item_change, apply_occurrence_change
from ..core.attachments import HAS_ATTACHMENTS, Attachment
from ..core.errors import EwsError
from ..core.fields import MESSAGE_TYPES
from ..core.folders import Folder
from ..core.item import Item
from ..core.values import Mailbox
from ..protocol.folders import FolderRef
from ..store import attachments as attachment_rows
from . import meeting_copies
from .folders import resolve_folder
from .context import RequestContext




def is_local(ctx: RequestContext, smtp: str) -> bool:
    users = ctx.settings.users
    return users is None or users.get(smtp) is not None


def prepare_mailboxes(ctx: RequestContext, mailboxes: Iterable[Mailbox]) -> None:
    """Create the mailboxes of the local recipients among ``mailboxes`` (outside any transaction)."""
    for mailbox in mailboxes:
        smtp = mailbox.smtp
        if smtp is not None and is_local(ctx, smtp):
            ctx.store.ensure_mailbox(smtp, now=ctx.now)


def _inbox(ctx: RequestContext, conn, smtp: str) -> Folder | None:
    return ctx.store.distinguished_folder(conn, smtp, "inbox")


def send_message(ctx: RequestContext, conn, sent: Item, *, keep_copy_in: Folder | None,
                 draft_id: str | None, attachments: Sequence[Attachment] = (),
                 attachments_of: str | None = None) -> None:
    """Deliver the sent message ``sent`` to its local recipients; keep the sender's copy in ``keep_copy_in``
    (SendAndSaveCopy) and remove the stored draft ``draft_id`` (an UpdateItem that sends it).

    Every copy carries the message's attachments, byte for byte: those of the stored draft, or of the stored item
    ``attachments_of`` (a forward's original, which stays), both copied row by row by the store; or
    ``attachments``, those of a message CreateItem sends without storing it first."""
    store, ids = ctx.store, ctx.ids
    stored_source = draft_id if draft_id is not None else attachments_of
    sent = messages.with_resolved_names(sent, lambda smtp: store.mailbox_display_name(conn, smtp)
                                        if is_local(ctx, smtp) and store.mailbox_exists(conn, smtp) else None)
    for smtp, recipient in messages.delivery_targets(sent, lambda a: is_local(ctx, a)):
        inbox = _inbox(ctx, conn, smtp)
        if inbox is not None:
            copy = messages.copy_for(sent, item_id=ids.item_id(), mailbox=smtp, folder_id=inbox.id, now=ctx.now,
                                     received_by=recipient)
            store.deliver_item(conn, copy, ctx.now)
            if stored_source is not None:
                attachment_rows.copy_all(conn, stored_source, copy.id)
            elif attachments:
                attachment_rows.insert(conn, copy.id, attachments, ids)
    keep_id = ids.item_id() if keep_copy_in is not None else None
    if draft_id is not None:
        if keep_id is not None:  # the sender's copy takes the draft's attachments over
            attachment_rows.rekey(conn, draft_id, keep_id)
        store.delete_item(conn, draft_id, ctx.now)
    if keep_copy_in is not None and keep_id is not None:
        copy = messages.copy_for(sent, item_id=keep_id, mailbox=keep_copy_in.mailbox, folder_id=keep_copy_in.id,
                                 now=ctx.now, received_by=None)
        store.insert_item(conn, copy, ctx.now)
        if draft_id is None and attachments_of is not None:
            attachment_rows.copy_all(conn, attachments_of, copy.id)
        elif draft_id is None and attachments:
            attachment_rows.insert(conn, copy.id, attachments, ids)


def send_meeting_requests(ctx: RequestContext, conn, calendar_item: Item,
                          invitations: tuple[calendar.Invitation, ...], mode: str | None) -> None:
    """A ``t:MeetingRequest`` in the Inbox of each invited local attendee, and the meeting tentatively in
    their calendar; with ``…AndSaveCopy`` one more request in the organizer's Sent Items. Each carries the (stored)
    calendar item's attachments."""
    store, ids = ctx.store, ctx.ids
    has = calendar_item.values.get(HAS_ATTACHMENTS)

    def with_attachments(request: Item) -> Item:
        if has:
            request.values[HAS_ATTACHMENTS] = True
        return request

    for invitation in invitations:
        smtp = invitation.attendee.smtp
        inbox = _inbox(ctx, conn, smtp) if smtp is not None and is_local(ctx, smtp) else None
        if inbox is not None:
            request = with_attachments(calendar.meeting_request(calendar_item, invitation, item_id=ids.item_id(),
                                                                mailbox=smtp, folder_id=inbox.id, now=ctx.now))
            store.deliver_item(conn, request, ctx.now)
            if has:
                attachment_rows.copy_all(conn, calendar_item.id, request.id)
            meeting_copies.on_request_delivered(ctx, conn, request)
    if invitations and mode in calendar.SAVE_COPY:
        sent = store.distinguished_folder(conn, calendar_item.mailbox, "sentitems")
        request = with_attachments(calendar.meeting_request(calendar_item, None, item_id=ids.item_id(),
                                                            mailbox=sent.mailbox, folder_id=sent.id, now=ctx.now))
        store.insert_item(conn, request, ctx.now)
        if has:
            attachment_rows.copy_all(conn, calendar_item.id, request.id)


# ---- what UpdateItem and CreateItem need around a change that sends ----------------------------------------


def check_attributes(item_type: str, message_disposition: str | None, invitations: str | None, *,
                     create: bool = False) -> None:
    """The request attributes an item type requires (spec §1.2): MessageDisposition for messages,
    SendMeetingInvitations (CreateItem) / SendMeetingInvitationsOrCancellations (UpdateItem) for calendar
    items."""
    if item_type in MESSAGE_TYPES and message_disposition is None:
        raise EwsError("ErrorMessageDispositionRequired")
    if item_type == "CalendarItem" and invitations is None:
        raise EwsError("ErrorSendMeetingInvitationsRequired" if create
                       else "ErrorSendMeetingInvitationsOrCancellationsRequired")


def sends(message_disposition: str | None, invitations: str | None) -> bool:
    """Whether a request may send anything (so recipients' mailboxes must exist before its transaction)."""
    return message_disposition in messages.SEND_DISPOSITIONS or invitations in (
        calendar.INVITE_ALL | calendar.INVITE_CHANGED)


def sender(ctx: RequestContext) -> Mailbox:
    """The acting mailbox as From, Sender and Organizer."""
    with ctx.store.read() as conn:
        name = ctx.store.mailbox_display_name(conn, ctx.mailbox)
    return Mailbox(ctx.mailbox, name, "SMTP", "Mailbox")


def prepare_update(ctx: RequestContext, item_id: str, index: int | None, changes, actx: ApplyContext) -> None:
    """A dry run of an ItemChange that may send: create the mailboxes of the local recipients it will reach.
    Any error is left for the real run to report."""
    with ctx.store.read() as conn:
        stored = ctx.store.load_item(conn, item_id, ctx.mailbox)
    if stored is None:
        return
    dry = replace(actx, new_item_id=lambda: stored.id)  # a seeded run's ids stay those of the real run
    try:
        outcome = (apply_item_change(stored, changes, dry) if index is None
                   else apply_occurrence_change(stored, index, changes, dry))
    except EwsError:
        return
    prepare_mailboxes(ctx, messages.recipients(outcome.item) if outcome.sent
                      else [invitation.attendee for invitation in outcome.invitations])


def after_update(ctx: RequestContext, message_disposition: str | None, invitations: str | None,
                 saved_folder: FolderRef | None) -> Callable[[object, Outcome], None]:
    """UpdateItem's writes after the change is saved, in its transaction: the sent message's copies (the
    draft itself is gone; its copy goes to SavedItemFolderId, else Sent Items) and the meeting requests."""

    def after(conn, outcome: Outcome) -> None:
        if outcome.sent:
            keep = None
            if message_disposition == "SendAndSaveCopy":
                keep = (resolve_folder(conn, ctx, saved_folder) if saved_folder is not None
                        else ctx.store.distinguished_folder(conn, outcome.item.mailbox, "sentitems"))
            send_message(ctx, conn, outcome.item, keep_copy_in=keep, draft_id=outcome.item.id)
        if outcome.invitations:
            send_meeting_requests(ctx, conn, outcome.response_item, outcome.invitations, invitations)

    return after
