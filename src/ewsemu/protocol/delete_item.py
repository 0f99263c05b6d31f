"""m:DeleteItem -> the item ids and how to delete them, typed; a success message has no content."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.changes import ItemRef
from .items import item_refs
from .namespaces import m


@dataclass(frozen=True)
class DeleteItemRequest:
    delete_type: str  # HardDelete | SoftDelete | MoveToDeletedItems
    affected_task_occurrences: str | None
    send_meeting_cancellations: str | None
    elements: list[ItemRef]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> DeleteItemRequest:
    return DeleteItemRequest(body.get("DeleteType", "HardDelete"), body.get("AffectedTaskOccurrences"),
                             body.get("SendMeetingCancellations"), item_refs(body.find(m("ItemIds"))))


def render_success(request: DeleteItemRequest, deleted: None, msg: etree._Element) -> None:
    """ResponseClass and ResponseCode say it all."""
