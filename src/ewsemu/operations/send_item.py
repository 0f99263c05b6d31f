"""SendItem: send stored drafts, one response message per ItemId, in request order, errors in-band.

A draft is sent as CreateItem and UpdateItem send a message (:mod:`.delivery`): it is stamped as sent, its
local recipients receive their copies, the draft itself is gone, and with SaveItemToFolder its sent copy goes to
SavedItemFolderId (else Sent Items). Exchange refuses an item that is not a message
(ErrorInvalidItemForOperationSendItem), a message that is no draft any more and one without recipients; each
refusal changes nothing.
"""
from __future__ import annotations

from ..core import messages
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.fields import MESSAGE_TYPES
from ..core.ids import check_change_key
from ..protocol import send_item as wire
from ..protocol.send_item import SendItemRequest
from . import delivery
from .base import Batch, PerElement
from .common import check_item_id, with_retries
from .context import RequestContext
from .folders import ensure_named_mailboxes, resolve_folder


def _prepare(ctx: RequestContext, req: SendItemRequest) -> None:
    """The saved-copy folder's mailbox and the local recipients' mailboxes, before any transaction."""
    if req.saved_item_folder is not None:
        ensure_named_mailboxes(ctx, [req.saved_item_folder])
    with ctx.store.read() as conn:
        drafts = [ctx.store.load_item(conn, ref.id, ctx.mailbox) for ref in req.elements if ref.id]
    delivery.prepare_mailboxes(ctx, [r for d in drafts if d is not None and d.item_type in MESSAGE_TYPES
                                     for r in messages.recipients(d)])


def _send_one(batch: Batch[SendItemRequest], ref: ItemRef) -> None:
    ctx, req = batch.ctx, batch.request
    check_item_id(ref.id)
    if ref.change_key is not None:
        check_change_key(ref.change_key)
    sender = delivery.sender(ctx)

    def work(conn) -> None:
        stored = ctx.store.load_item(conn, ref.id, ctx.mailbox)
        if stored is None:
            raise EwsError("ErrorItemNotFound")
        if stored.item_type not in MESSAGE_TYPES:
            raise EwsError("ErrorInvalidItemForOperationSendItem")
        if ref.change_key is not None and ref.change_key != stored.change_key:
            raise EwsError("ErrorIrresolvableConflict")
        sent = stored.copy()
        messages.mark_sent(sent, sender, ctx.now)
        keep = None
        if req.save_copy:
            keep = (resolve_folder(conn, ctx, req.saved_item_folder) if req.saved_item_folder is not None
                    else ctx.store.distinguished_folder(conn, stored.mailbox, "sentitems"))
        delivery.send_message(ctx, conn, sent, keep_copy_in=keep, draft_id=stored.id)

    with_retries(ctx, work)


OPERATION = PerElement(
    "SendItem", "implemented",
    ("sends stored draft messages to the server's mailboxes (ErrorInvalidRecipients without recipients, "
     "ErrorInvalidOperation for a message already sent, ErrorInvalidItemForOperationSendItem for other items); "
     "SaveItemToFolder keeps the sent copy in SavedItemFolderId or Sent Items"),
    parse=wire.parse, element=_send_one, render=wire.render_success, prepare=_prepare)
