"""Response objects inside CreateItem's ``m:Items`` (``t:ReplyToItem``, ``t:AcceptItem``, …) -> typed values.

Their message properties are the registry's message fields (a response object's ``t:Subject`` is
``item:Subject``, its ``t:ToRecipients`` ``message:ToRecipients``); ReferenceItemId and NewBodyContent are the
response object's own.
"""
from __future__ import annotations

import datetime as dt

from lxml import etree

from ..core import fields as F
from ..core.responses import ResponseObject
from .codecs import parse_value
from .items import item_ref
from .namespaces import local, t

_REFERENCE, _NEW_BODY = t("ReferenceItemId"), t("NewBodyContent")
#: elements kept for the schema only: Exchange computes them (ItemClass) or they are about the reply's
#: attachments and headers, which a response object does not carry here
_IGNORED = frozenset({"ItemClass", "Attachments", "InternetMessageHeaders", "ProposedStart", "ProposedEnd"})


def parse_response_object(el: etree._Element, zone: dt.tzinfo) -> ResponseObject:
    reference, new_body, values = None, None, {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == _REFERENCE:
            reference = item_ref(child)
        elif child.tag == _NEW_BODY:
            new_body = parse_value(F.FIELDS["item:Body"], child, zone)
        elif local(child.tag) not in _IGNORED:
            f = F.by_element("Message", local(child.tag))
            if f is not None:
                values[f.uri] = parse_value(f, child, zone)
    return ResponseObject(local(el.tag), reference, values, new_body)
