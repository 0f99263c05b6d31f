"""m:ExpandDL -> the list to expand (by ItemId, or by address or name); its members -> m:ExpandDLResponse.

The members come back one level deep, as Exchange expands: a member that is itself a list is a Mailbox
of type PublicDL (a server-side group) or PrivateDL (a list of the mailbox's, with its ItemId).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError
from ..core.values import Member
from .namespaces import m, t
from .recipients import parse_mailbox, render_member_mailbox
from .responses import error, response_root


@dataclass(frozen=True)
class ExpandDLRequest:
    email: str | None
    name: str | None
    mailbox_type: str | None
    item_id: str | None


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> ExpandDLRequest:
    el = body.find(m("Mailbox"))
    mailbox = parse_mailbox(el)
    item_id = el.find(t("ItemId"))
    return ExpandDLRequest(mailbox.email, mailbox.name, mailbox.mailbox_type,
                           item_id.get("Id") if item_id is not None else None)


def render(request: ExpandDLRequest, result: list[Member] | EwsError) -> etree._Element:
    root, messages = response_root("ExpandDL")
    if isinstance(result, EwsError):
        error(messages, "ExpandDL", result)
        return root
    msg = etree.SubElement(messages, m("ExpandDLResponseMessage"), ResponseClass="Success")
    etree.SubElement(msg, m("ResponseCode")).text = "NoError"
    expansion = etree.SubElement(msg, m("DLExpansion"), TotalItemsInView=str(len(result)),
                                 IncludesLastItemInRange="true")
    for member in result:
        render_member_mailbox(member, expansion)
    return root
