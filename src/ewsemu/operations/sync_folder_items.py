"""SyncFolderItems: the changes to one folder's items since a sync state, at most MaxChangesReturned a page.

The sync state (core/sync_state.py, D38) is a signed token naming the folder, the scope and journal positions.
A first sync (no state) lists the folder's items as Creates, oldest first (DateTimeCreated, then ItemId), as
they were at the journal head when it began (``base``), a page at a time (keyset pagination on an index); items that came in after ``base`` are
left to the journal phase, which then reports, from ``base`` on, each item's net change in the window (D39,
core/sync_changes.py), in the order of each item's last change. A window's end is pinned by its first page,
so what a page reported is never judged again over more changes; a page of the journal phase reads the window
from its ``cursor``: the effects after it, a chunk at a time, and the whole history in the window of only the
items in that chunk; an item is reported at its last change, so every page costs about the same however far
into the folder or the window it is (bench/bench_sync.py).

Tokens stay valid while the journal holds their positions (a client may retry a page); one older than the
journal's retention, tampered, truncated, from before a reset, or another folder's, mailbox's or scope's is
ErrorInvalidSyncStateData. A folder that does not exist (any more) is ErrorSyncFolderNotFound, as Exchange
answers; a search folder cannot be synchronised (ErrorInvalidOperation).
"""
from __future__ import annotations

from dataclasses import replace

from ..core import ids
from ..core import sync_state as S
from ..core.errors import EwsError
from ..core.fields import MESSAGE_TYPES
from ..core.folders import Folder
from ..core.item import Item
from ..core.sync_changes import CREATE, DELETE, READ_FLAG, UPDATE, NetChange, net_change
from ..protocol import sync_folder_items as wire
from ..protocol.sync_folder_items import WITH_ASSOCIATED, ItemChange, ItemsPage, SyncFolderItemsRequest
from ..store import journal, sync
from .base import WholeRequest
from .context import RequestContext
from .folders import ensure_named_mailboxes, resolve_folder

OPERATION_NAME = "SyncFolderItems"
#: journal effects read per query in the journal phase
_CHUNK = 1024
_KEY = "sync"


def sync_folder(conn, ctx: RequestContext, ref) -> Folder:
    """The folder a sync names: ErrorSyncFolderNotFound when there is none (Exchange's answer, also for a
    folder deleted since the sync state was handed out)."""
    try:
        return resolve_folder(conn, ctx, ref)
    except EwsError as err:
        if err.code in ("ErrorFolderNotFound", "ErrorItemNotFound"):
            raise EwsError("ErrorSyncFolderNotFound") from None
        raise


def checked_state(conn, ctx: RequestContext, token: str | None, kind: str, folder: Folder, scope: str,
                  operation: str) -> S.SyncState | None:
    """The state ``token`` names, if it is this folder's (and mailbox's, and scope's) and the journal still
    holds its positions; ErrorInvalidSyncStateData otherwise (and when an injected fault says so)."""
    injected = ctx.faults.sync_state_fault(operation, ctx.mailbox, folder.id)
    if injected is not None:
        raise injected
    if token is None:
        return None
    state = S.decode(token, ctx.store.secret(_KEY))
    if (state.kind, state.mailbox, state.folder_id, state.scope) != (kind, folder.mailbox, folder.id, scope):
        raise S.invalid()
    journal_phase = state.kind == S.ITEMS and state.phase == S.JOURNAL
    held = [state.base, state.cursor if journal_phase else None,
            state.upto if state.kind == S.FOLDERS or journal_phase and state.upto else None]
    for position in (p for p in held if p is not None):
        if not journal.retains(conn, position):
            raise S.invalid()
    return state


class _Page:
    """What one page collects: changes up to the request's maximum, and where the next page starts."""

    def __init__(self, request: SyncFolderItemsRequest, folder: Folder) -> None:
        self.room = request.max_changes
        self.folder = folder
        self.associated = request.scope == WITH_ASSOCIATED
        self.ignored = frozenset(ref.id for ref in request.ignore)
        self.changes: list[ItemChange] = []

    @property
    def full(self) -> bool:
        return len(self.changes) >= self.room


def _enumerate(conn, page: _Page, state: S.SyncState) -> S.SyncState | None:
    """The first sync's listing from the state's keyset cursor on: the next state if the listing goes on,
    None when every item the folder held at ``state.base`` is listed."""
    while True:
        listed, last_read, done = sync.items_after(conn, page.folder.id, (state.after_created, state.after_id),
                                                   state.base or 0, page.room + 1 - len(page.changes),
                                                   page.associated)
        for item in listed:
            if item.id not in page.ignored:
                if page.full:
                    return state
                page.changes.append(ItemChange(CREATE, item.id, item.change_key, item))
            state = _after(state, sync.cursor_of(item))
        if done:
            return None
        if page.full:
            return state
        if last_read is not None:  # what was read past the last item kept (arrived later) is skipped
            state = _after(state, last_read)


def _after(state: S.SyncState, cursor: tuple[str, str]) -> S.SyncState:
    return replace(state, after_created=cursor[0], after_id=cursor[1])


def _change(conn_items: dict[str, Item], net: NetChange, associated: bool) -> ItemChange | None:
    if net.change == DELETE:
        return ItemChange(DELETE, net.item_id)
    item = conn_items.get(net.item_id)
    if item is None:  # gone since the window's end (it will be a Delete on a later sync)
        return None
    if not associated and item.values.get("item:IsAssociated"):
        return None
    if net.change == READ_FLAG and item.item_type in MESSAGE_TYPES:
        return ItemChange(READ_FLAG, item.id, item.change_key, is_read=bool(item.values.get("message:IsRead")))
    kind = CREATE if net.change == CREATE else UPDATE
    return ItemChange(kind, item.id, item.change_key, item)


def _journal(conn, page: _Page, state: S.SyncState, head: int) -> S.SyncState | None:
    """The net changes in the window (``state.base``, ``head``] from ``state.cursor`` on: the next state if
    more remain than fit, None when the window is done. ``head`` is the window's end, pinned in the state
    (``upto``) for every page of it: a change after it belongs to the next window, so an item a page has
    reported is never worked out again over a wider window (created on page 1 and deleted before page 2 is a
    Delete in the next window, not "created and deleted": nothing)."""
    base, cursor = state.base or 0, state.cursor
    while True:
        effects = sync.folder_effects(conn, page.folder.id, cursor, head, _CHUNK)
        if not effects:
            return None
        histories = sync.item_effects(conn, page.folder.id, {e.item_id for e in effects}, base, head)
        due: list[tuple[int, NetChange]] = []
        for effect in effects:
            history = histories.get(effect.item_id, [])
            if history and history[-1].position == effect.position and effect.item_id not in page.ignored:
                net = net_change(history)
                if net is not None:
                    due.append((effect.position, net))
        while due:  # the items are loaded only as far as the page goes
            batch, due = due[:page.room + 1 - len(page.changes)], due[page.room + 1 - len(page.changes):]
            current = sync.items_by_id(conn, [n.item_id for _, n in batch if n.change != DELETE])
            for position, net in batch:
                change = _change(current, net, page.associated)
                if change is None:
                    continue
                if page.full:
                    return replace(state, cursor=cursor)
                page.changes.append(change)
                cursor = position
        cursor = effects[-1].position


def _page(conn, page: _Page, state: S.SyncState, head: int) -> tuple[S.SyncState, bool]:
    """Fill ``page`` from ``state``: the state the next page starts from, and whether it holds the last
    change in range (the journal's head)."""
    if state.phase == S.ENUMERATE:
        going_on = _enumerate(conn, page, state)
        if going_on is not None:
            return going_on, False
        # listed: the changes since the listing began follow
        state = replace(state, phase=S.JOURNAL, cursor=state.base or 0, after_created="", after_id="", upto=0)
    end = state.upto or head  # a window's first page pins its end
    state = replace(state, upto=end)
    going_on = _journal(conn, page, state, end)
    if going_on is not None:
        return going_on, False
    # the window is done: the next one starts at its end (and is empty if nothing was written since)
    return replace(state, base=end, cursor=end, upto=0), end == head


def _phantoms(ctx: RequestContext, page: _Page) -> None:
    """An injected fault: Creates of items that are not there (GetItem answers ErrorItemNotFound)."""
    for _ in range(ctx.faults.phantom_items(OPERATION_NAME, ctx.mailbox, page.folder.id)):
        phantom = Item(ctx.ids.item_id(), page.folder.mailbox, page.folder.id, "Message", 1)
        phantom = replace(phantom, change_key=ids.IdFactory.change_key(phantom.id, 1))
        page.changes.append(ItemChange(CREATE, phantom.id, phantom.change_key, phantom))


def _sync(ctx: RequestContext, request: SyncFolderItemsRequest) -> ItemsPage | EwsError:
    ensure_named_mailboxes(ctx, [request.folder])
    key = ctx.store.secret(_KEY)  # made (a write) before the read transaction
    try:
        with ctx.store.read() as conn:
            folder = sync_folder(conn, ctx, request.folder)
            if folder.search is not None:
                raise EwsError("ErrorInvalidOperation", message="Search folders cannot be synchronized.")
            state = checked_state(conn, ctx, request.sync_state, S.ITEMS, folder, request.scope, OPERATION_NAME)
            head = journal.head(conn)
            if state is None:
                state = S.SyncState(S.ITEMS, folder.mailbox, folder.id, request.scope, S.ENUMERATE, head)
            page = _Page(request, folder)
            next_state, last = _page(conn, page, state, head)
            _phantoms(ctx, page)
            owner = ctx.store.mailbox_display_name(conn, folder.mailbox)
    except EwsError as err:
        return err
    return ItemsPage(S.encode(next_state, key), last, tuple(page.changes), owner)


OPERATION = WholeRequest(
    "SyncFolderItems", "implemented",
    ("IdOnly/Default/AllProperties shapes with AdditionalProperties (no bodies or attachments, as on Exchange),"
     " SyncState tokens on the change journal, Ignore, MaxChangesReturned, NormalItems and"
     " NormalAndAssociatedItems; each item's net change since the state (D39), oldest change first"),
    parse=wire.parse, run=_sync, render=wire.render)
