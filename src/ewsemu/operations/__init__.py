"""One module per EWS operation; this registry maps the body element's local name to its handler.

:data:`COVERAGE` says, for each of them, how much of the operation is emulated; ``ewsemu coverage`` and
COVERAGE.md are generated from these two tables (:mod:`ewsemu.coverage`), so they cannot drift apart.
"""
from __future__ import annotations

from typing import Callable

from lxml import etree

from . import convert_id, create_item, delete_item, find_folder, find_item, get_folder, get_item, update_item
from .context import RequestContext

Handler = Callable[[RequestContext], etree._Element]

OPERATIONS: dict[str, Handler] = {
    "UpdateItem": update_item.handle,
    "CreateItem": create_item.handle,
    "GetItem": get_item.handle,
    "DeleteItem": delete_item.handle,
    "FindItem": find_item.handle,
    "GetFolder": get_folder.handle,
    "FindFolder": find_folder.handle,
    "ConvertId": convert_id.handle,
}

#: how completely each registered operation is emulated: (status, what is missing or worth knowing); status is
#: "implemented" (everything the operation does for the item types ewsemu stores) or "partial"
COVERAGE: dict[str, tuple[str, str]] = {
    "UpdateItem": ("partial", "tasks, messages, calendar items (occurrences and exceptions), contacts "
                              "(IndexedFieldURI) and generic items: every Set/Append/Delete rule, ChangeKey "
                              "conflict resolution, recurring tasks, MessageDisposition sends and meeting requests "
                              "between the server's mailboxes; no cancellations to removed attendees"),
    "CreateItem": ("partial", "tasks, messages (saved, or sent to the server's mailboxes), calendar items (with "
                              "meeting requests), contacts and generic items into any folder; distribution lists, "
                              "post items and response objects answer ErrorInvalidItemForOperationCreateItem"),
    "GetItem": ("implemented", "IdOnly/Default/AllProperties shapes with AdditionalProperties (indexed ones "
                               "too), occurrence and recurring-master ids; no MIME content or attachments (none "
                               "are stored)"),
    "DeleteItem": ("implemented", "HardDelete, SoftDelete, MoveToDeletedItems; AffectedTaskOccurrences for "
                                  "recurring tasks; one occurrence of a calendar series; no meeting "
                                  "cancellations are sent"),
    "FindItem": ("partial", "restrictions, sort order, indexed and fractional paging in SQL; no GroupBy, "
                            "DistinguishedGroupBy or QueryString (AQS); CalendarView expands recurring series, "
                            "ContactsView lists contacts by name"),
    "GetFolder": ("implemented", "the distinguished folders of every mailbox, delegate access by t:Mailbox"),
    "FindFolder": ("implemented", "Shallow and Deep traversal, restrictions and paging over the distinguished "
                                  "folders (folders cannot be created, so SoftDeleted finds none)"),
    "ConvertId": ("implemented", "all six id formats (EwsId, EwsLegacyId, EntryId, HexEntryId, StoreId, OwaId) "
                                 "for item and folder ids; public folder ids are refused"),
}
