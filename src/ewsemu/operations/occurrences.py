"""Which stored item an item id names: a plain item, an occurrence of a recurring calendar item, or a master.

GetItem, UpdateItem and DeleteItem accept three id forms (spec §1.4): ``t:ItemId`` (of any item, including
an occurrence, whose Id encodes its master and InstanceIndex), ``t:OccurrenceItemId`` (master +
InstanceIndex) and ``t:RecurringMasterItemId`` (the master, named by one of its occurrences). An occurrence
is stored in its master, so every form resolves to a stored item plus, for an occurrence, its index; the
checks that need the stored item run in :func:`check`. D14's answers for tasks stay as they were.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core import calendar, ids
from ..core.changes import ItemRef
from ..core.errors import EwsError
from ..core.item import Item

_D14 = {"OccurrenceItemId": "ErrorCalendarCannotUseIdForOccurrenceId",
        "RecurringMasterItemId": "ErrorCalendarCannotUseIdForRecurringMasterId"}


@dataclass(frozen=True)
class Located:
    """The stored item an id names (``item_id``), the occurrence's InstanceIndex, and the id form."""

    item_id: str
    index: int | None
    form: str  # ItemId | Occurrence (an occurrence's ItemId) | OccurrenceItemId | RecurringMasterItemId
    #: a RecurringMasterItemId naming an occurrence (not the master or a plain item)
    via_occurrence: bool = False


def locate(ref: ItemRef) -> Located:
    """Where to look, before reading anything (the id's own checks are the caller's: check_item_id)."""
    split = ids.split_occurrence_id(ref.id)
    if ref.kind == "OccurrenceItemId":
        return Located(ref.id, ref.instance_index, ref.kind)
    if ref.kind == "RecurringMasterItemId":
        return Located(split[0], None, ref.kind, True) if split else Located(ref.id, None, ref.kind)
    if split is not None:
        return Located(split[0], split[1], "Occurrence")
    return Located(ref.id, None, "ItemId")


def check(stored: Item, where: Located) -> None:
    """The errors an id form gives for the stored item it reached."""
    if where.form in _D14 and stored.item_type == "Task":
        raise EwsError(_D14[where.form])  # D14
    if where.form == "ItemId":
        return
    if not calendar.is_master(stored):
        if where.form == "OccurrenceItemId":
            raise EwsError("ErrorCalendarCannotUseIdForOccurrenceId")
        if where.form == "RecurringMasterItemId" and not where.via_occurrence:
            raise EwsError("ErrorCalendarCannotUseIdForRecurringMasterId")
        raise EwsError("ErrorItemNotFound")  # the series this occurrence belonged to is no longer recurring
    if where.form == "RecurringMasterItemId" and not where.via_occurrence:
        raise EwsError("ErrorCalendarCannotUseIdForRecurringMasterId")
    if where.index is not None:
        calendar.check_occurrence(stored, where.index)


def view(stored: Item, where: Located) -> Item:
    """The item as the id names it: the stored item, or the occurrence materialised from its master."""
    check(stored, where)
    return calendar.materialize(stored, where.index) if where.index is not None else stored
