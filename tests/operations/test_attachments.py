"""Attachments end to end: CreateAttachment, GetAttachment, DeleteAttachment, attachments inline in CreateItem,
``item:Attachments`` and ``item:HasAttachments`` in GetItem and FindItem, and the attachments every copy of an
item carries (CopyItem, MoveItem, a sent message's copies), byte for byte.

Raw SOAP through the endpoint; every response is validated against our wsdl/ and Microsoft's schema.
"""
from __future__ import annotations

import base64

from ..harness import Ews, Ref, assert_error, recipients, val, vals
from ..harness import ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS

ALICE, BOB = "alice@example.com", "bob@example.com"
DATA = "Hello from unicode æøå".encode()


def file_xml(name: str, content: bytes, *, inline: bool = False, extra: str = "") -> str:
    flag = "<t:IsInline>true</t:IsInline>" if inline else ""
    return (f"<t:FileAttachment><t:Name>{name}</t:Name>{extra}{flag}"
            f"<t:Content>{base64.b64encode(content).decode()}</t:Content></t:FileAttachment>")


def item_xml(name: str, subject: str, inner: str = "") -> str:
    attached = f"<t:Attachments>{inner}</t:Attachments>" if inner else ""
    return (f"<t:ItemAttachment><t:Name>{name}</t:Name><t:Message><t:Subject>{subject}</t:Subject>"
            f'<t:Body BodyType="Text">Body of {subject}</t:Body>{attached}</t:Message></t:ItemAttachment>')


def message(ews: Ews, attachments: str = "", *, subject: str = "Parent", md: str = "SaveOnly",
            folder: str | None = None, to: str = "") -> Ref:
    attached = f"<t:Attachments>{attachments}</t:Attachments>" if attachments else ""
    return ews.create("Message", f"<t:Subject>{subject}</t:Subject>{attached}{to}", md=md, folder=folder)


def create_attachment(ews: Ews, parent: Ref, *attachments: str):
    return ews.call(f"<m:CreateAttachment><m:ParentItemId Id=\"{parent.id}\"/>"
                    f"<m:Attachments>{''.join(attachments)}</m:Attachments></m:CreateAttachment>")


def get_attachment(ews: Ews, *ids: str, shape: str = ""):
    return ews.call(f"<m:GetAttachment>{shape}<m:AttachmentIds>"
                    + "".join(f'<t:AttachmentId Id="{i}"/>' for i in ids) + "</m:AttachmentIds></m:GetAttachment>")


def delete_attachment(ews: Ews, *ids: str):
    return ews.call("<m:DeleteAttachment><m:AttachmentIds>"
                    + "".join(f'<t:AttachmentId Id="{i}"/>' for i in ids) + "</m:AttachmentIds></m:DeleteAttachment>")


def attachment_ids(ews: Ews, ref: Ref) -> list[str]:
    return [el.get("Id") for el in ews.get(ref).findall("t:Attachments/*/t:AttachmentId", NS)]


def test_create_attachment_then_get_it_back(ews: Ews) -> None:
    parent = message(ews)
    r = create_attachment(ews, parent, file_xml("a.txt", DATA))
    assert r.codes() == ["NoError"], r.body
    [aid] = r.xpath("//m:Attachments/t:FileAttachment/t:AttachmentId")
    assert aid.get("RootItemId") == parent.id and aid.get("RootItemChangeKey") != parent.ck
    got = get_attachment(ews, aid.get("Id"))
    assert got.codes() == ["NoError"], got.body
    [content] = got.xpath("//t:FileAttachment/t:Content")
    assert base64.b64decode(content.text) == DATA
    item = ews.get(parent)
    assert val(item, "HasAttachments") == "true"
    assert item.find("t:ItemId", NS).get("ChangeKey") == aid.get("RootItemChangeKey")
    assert vals(item, "t:Attachments/t:FileAttachment/t:Name") == ["a.txt"]
    assert item.find("t:Attachments/t:FileAttachment/t:Content", NS) is None
