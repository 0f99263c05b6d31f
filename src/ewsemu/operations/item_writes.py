"""The one write path for a stored item: EWS UpdateItem and both REST faces change items through here.

Whatever the face, a change is a list of core :class:`FieldChange` s applied by the same engine
(:func:`ewsemu.core.apply.apply_item_change`) to a fresh read, then written with the store's conditional
version write; a lost race re-reads and re-plans (:func:`with_retries`). So ChangeKeys, conflict rules, the
Status/PercentComplete coupling and recurring one-offs are identical whichever protocol asked.
"""
from __future__ import annotations

from typing import Callable, Sequence

from ..core import ids
from ..core.apply import ALL_CHANGED, ApplyContext, Outcome, apply_item_change, create_item
from ..core.changes import FieldChange, ItemRef
from ..core.errors import EwsError
from ..core.item import Item
from . import attachments
from .common import HasStore, LostRace, check_item_id, with_retries

#: builds the changes from the item as read inside the write transaction (re-run after a lost race); it may
#: raise to refuse the change (a face's own checks: permissions, state machines, D14)
Plan = Callable[[Item], Sequence[FieldChange]]
#: the engine entry point: apply_item_change, or one that applies the changes to a part of the stored item
Apply = Callable[[Item, Sequence[FieldChange], ApplyContext, "frozenset[str] | None"], Outcome]
#: more writes in the same transaction once the item is saved (what the change sends: mail, meeting requests)
After = Callable[[object, Outcome], None]


def update_stored_item(owner: HasStore, mailbox: str, target: ItemRef, plan: Plan, actx: ApplyContext, *,
                       require_change_key: bool = False, apply: Apply = apply_item_change,
                       after: After | None = None) -> Outcome:
    """Apply ``plan(stored)`` to the item ``target`` names in ``mailbox``, atomically (D22).

    A ChangeKey in ``target`` is checked per ``actx.conflict_resolution`` (D3); without one the update is
    unconditional unless ``require_change_key`` (the D1 strict variant).
    """
    check_item_id(target.id)
    if target.change_key is not None:
        ids.check_change_key(target.change_key)
    elif require_change_key:
        raise EwsError("ErrorChangeKeyRequiredForWriteOperations")
    store = owner.store

    def work(conn) -> Outcome:
        stored = store.load_item(conn, target.id, mailbox)
        if stored is None:
            raise EwsError("ErrorItemNotFound")
        changes = plan(stored)
        changed_since = None
        if target.change_key is not None and target.change_key != stored.change_key:
            since = store.changed_since(conn, stored.id, target.change_key)
            changed_since = ALL_CHANGED if since is None else since  # {}: moved, nothing changed
        outcome = apply(stored, changes, actx, changed_since)
        if outcome.attachments is not None:  # MIME content replaced them: rows and diff before the item's write
            attachments.replace_all(owner, conn, outcome.item, outcome.attachments, outcome.changed)
        if outcome.changed and not store.update_item(conn, outcome.item, stored.version, actx.now,
                                                     outcome.changed):
            raise LostRace()
        if outcome.spawned is not None:
            store.insert_item(conn, outcome.spawned, actx.now)
        if after is not None:
            after(conn, outcome)
        return outcome

    return with_retries(owner, work)


def insert_new_item(owner: HasStore, mailbox: str, item_type: str, props: Sequence[FieldChange],
                    actx: ApplyContext, folder: str = "tasks") -> Item:
    """Create an item from SET changes (CreateItem's engine) in a distinguished folder of ``mailbox``."""
    store = owner.store

    def work(conn) -> Item:
        target = store.distinguished_folder(conn, mailbox, folder)
        if target is None:
            raise EwsError("ErrorFolderNotFound")
        item = create_item(item_type, props, actx, mailbox=target.mailbox, folder_id=target.id,
                           owner=store.mailbox_display_name(conn, target.mailbox))
        store.insert_item(conn, item, actx.now)
        return item

    return with_retries(owner, work)
