"""One module per EWS operation; this registry maps the body element's local name to its handler."""
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
