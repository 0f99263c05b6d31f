"""The one raw-SOAP harness of the item tests (tasks, messages, calendar items, contacts): request builders,
:class:`Ews` (the in-process endpoint, every response recorded for Microsoft-schema validation) and the
assertions every module shares.

Each test module that imports :func:`schema_valid_responses` validates every response body it received,
once, after its last test.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pytest
from lxml import etree

from .soap import NS, Client, Response, ews_validate

_RESPONSES: list[bytes] = []
RSV = '<t:RequestServerVersion Version="Exchange2016"/>'


def tz_header(windows_id: str) -> str:
    return f'{RSV}<t:TimeZoneContext><t:TimeZoneDefinition Id="{windows_id}"/></t:TimeZoneContext>'


def mailbox(email: str, name: str | None = None) -> str:
    named = f"<t:Name>{name}</t:Name>" if name else ""
    return f"<t:Mailbox>{named}<t:EmailAddress>{email}</t:EmailAddress></t:Mailbox>"


def recipients(element: str, *emails: str) -> str:
    return f"<t:{element}>{''.join(mailbox(e) for e in emails)}</t:{element}>"


def attendees(element: str, *emails: str) -> str:
    return f"<t:{element}>{''.join(f'<t:Attendee>{mailbox(e)}</t:Attendee>' for e in emails)}</t:{element}>"


def set_field(uri: str, prop: str, wrapper: str = "Task") -> str:
    return f'<t:SetItemField><t:FieldURI FieldURI="{uri}"/><t:{wrapper}>{prop}</t:{wrapper}></t:SetItemField>'


def append_field(uri: str, prop: str, wrapper: str = "Task") -> str:
    return (f'<t:AppendToItemField><t:FieldURI FieldURI="{uri}"/><t:{wrapper}>{prop}</t:{wrapper}>'
            "</t:AppendToItemField>")


def delete_field(uri: str) -> str:
    return f'<t:DeleteItemField><t:FieldURI FieldURI="{uri}"/></t:DeleteItemField>'


def indexed(uri: str, index: str) -> str:
    return f'<t:IndexedFieldURI FieldURI="{uri}" FieldIndex="{index}"/>'


@dataclass(frozen=True)
class Ref:
    id: str
    ck: str | None = None

    def xml(self, tag: str = "ItemId") -> str:
        ck = f' ChangeKey="{self.ck}"' if self.ck is not None else ""
        return f'<t:{tag} Id="{self.id}"{ck}/>'


def attrs(**values: str | None) -> str:
    return "".join(f' {k}="{v}"' for k, v in values.items() if v is not None)


class Ews:
    """The in-process endpoint, acting as ``user`` unless a call says otherwise."""

    def __init__(self, client: Client, user: str = "alice@example.com") -> None:
        self.client, self.user = client, user

    def call(self, body: str, headers: str | None = None, user: str | None = None) -> Response:
        r = self.client.call(body, headers, user=user or self.user)
        _RESPONSES.append(r.body)
        return r

    def post(self, envelope: bytes, user: str | None = None) -> Response:
        """A whole SOAP envelope as written (a golden request), recorded like every call."""
        r = self.client.post(envelope, user=user or self.user)
        _RESPONSES.append(r.body)
        return r

    def create_response(self, wrapper: str, props: str, *, md: str | None = None, smi: str | None = None,
                        folder: str | None = None, user: str | None = None, headers: str | None = None) -> Response:
        saved = f"<m:SavedItemFolderId>{folder}</m:SavedItemFolderId>" if folder else ""
        return self.call(f"<m:CreateItem{attrs(MessageDisposition=md, SendMeetingInvitations=smi)}>{saved}"
                         f"<m:Items><t:{wrapper}>{props}</t:{wrapper}></m:Items></m:CreateItem>", headers, user)

    def create(self, wrapper: str, props: str, **kw) -> Ref:
        r = self.create_response(wrapper, props, **kw)
        assert r.codes() == ["NoError"], r.body
        el = r.xpath(f"//m:Items/t:{wrapper}/t:ItemId")[0]
        return Ref(el.get("Id"), el.get("ChangeKey"))

    def update(self, target: Ref | str, *updates: str, cr: str | None = "AutoResolve", md: str | None = None,
               smi: str | None = None, suppress: str | None = None, folder: str | None = None,
               user: str | None = None, headers: str | None = None) -> Response:
        target_xml = target.xml() if isinstance(target, Ref) else target
        saved = f"<m:SavedItemFolderId>{folder}</m:SavedItemFolderId>" if folder else ""
        a = attrs(ConflictResolution=cr, MessageDisposition=md, SendMeetingInvitationsOrCancellations=smi,
                  SuppressReadReceipts=suppress)
        return self.call(f"<m:UpdateItem{a}>{saved}<m:ItemChanges><t:ItemChange>{target_xml}<t:Updates>"
                         f"{''.join(updates)}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>", headers, user)

    def get_response(self, *targets: Ref | str, shape: str = "AllProperties", additional: str = "",
                     user: str | None = None, headers: str | None = None) -> Response:
        extra = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
        ids = "".join(t.xml() if isinstance(t, Ref) else t for t in targets)
        return self.call(f"<m:GetItem><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{extra}</m:ItemShape>"
                         f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>", headers, user)

    def get(self, target: Ref | str, **kw) -> etree._Element:
        r = self.get_response(target, **kw)
        assert r.codes() == ["NoError"], r.body
        return r.xpath("//m:Items/*")[0]

    def delete(self, target: Ref | str, *, cancellations: str | None = "SendToNone",
               occurrences: str | None = None) -> Response:
        target_xml = target.xml() if isinstance(target, Ref) else target
        a = attrs(DeleteType="HardDelete", SendMeetingCancellations=cancellations, AffectedTaskOccurrences=occurrences)
        return self.call(f"<m:DeleteItem{a}><m:ItemIds>{target_xml}</m:ItemIds></m:DeleteItem>")

    def find_response(self, folder: str, *, shape: str = "AllProperties", additional: str = "", view: str = "",
                      restriction: str = "", owner: str | None = None, user: str | None = None,
                      headers: str | None = None) -> Response:
        box = f"<t:Mailbox><t:EmailAddress>{owner}</t:EmailAddress></t:Mailbox>" if owner else ""
        extra = f"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" if additional else ""
        where = f"<m:Restriction>{restriction}</m:Restriction>" if restriction else ""
        return self.call(f'<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{extra}'
                         f"</m:ItemShape>{view}{where}<m:ParentFolderIds><t:DistinguishedFolderId Id=\"{folder}\">"
                         f"{box}</t:DistinguishedFolderId></m:ParentFolderIds></m:FindItem>", headers, user)

    def find(self, folder: str, **kw) -> list[etree._Element]:
        r = self.find_response(folder, **kw)
        assert r.codes() == ["NoError"], r.body
        return r.xpath("//m:RootFolder/t:Items/*")

    def snapshot(self, target: Ref | str, user: str | None = None) -> bytes:
        """The whole stored item as GetItem shows it (ChangeKey included)."""
        return etree.tostring(self.get(target, user=user), method="c14n")


def val(item: etree._Element, path: str) -> str | None:
    return item.findtext(path if ":" in path else f"t:{path}", namespaces=NS)


def vals(item: etree._Element, path: str) -> list[str]:
    return [e.text for e in item.findall(path, NS)]


def names(item: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in item]


def ref_of(item: etree._Element) -> Ref:
    el = item.find("t:ItemId", NS)
    return Ref(el.get("Id"), el.get("ChangeKey"))


def message_xml(r: Response) -> list[tuple[str, dict[str, str]]]:
    return [(etree.QName(el).localname, dict(el.attrib)) for el in r.xpath("//m:MessageXml/*")]


def assert_error(r: Response, code: str, path: dict[str, str] | None = None, *, kind: str = "FieldURI",
                 container: str | None = None) -> None:
    """One Error message in the EWS error layout (spec §3.2), with ``path`` in MessageXml when given. With
    ``container`` (e.g. "Items") the message is exactly that layout: MessageXml only with a path, then the
    operation's container, empty."""
    assert r.status == 200, r.body
    msgs = r.xpath("//m:ResponseMessages/*")
    assert len(msgs) == 1 and msgs[0].get("ResponseClass") == "Error", r.body
    assert r.codes() == [code], r.body
    assert names(msgs[0])[:3] == ["MessageText", "ResponseCode", "DescriptiveLinkKey"]
    if container is not None:
        expected = ["MessageText", "ResponseCode", "DescriptiveLinkKey"] + (["MessageXml"] if path else [])
        assert names(msgs[0]) == expected + [container], (names(msgs[0]), r.body)
        assert len(msgs[0].find(f"m:{container}", NS)) == 0
    if path is not None:
        assert message_xml(r) == [(kind, path)]


def assert_updated(r: Response, wrapper: str, ref: Ref | None = None) -> Ref:
    """A successful UpdateItem message returning one ``wrapper`` item (the same Id as ``ref``), new ChangeKey."""
    assert r.codes() == ["NoError"], r.body
    msg = r.xpath("//m:UpdateItemResponseMessage")[0]
    assert names(msg) == ["ResponseCode", "Items", "ConflictResults"]
    found = r.xpath(f"//m:Items/t:{wrapper}/t:ItemId")
    assert len(found) == 1, r.body
    new = Ref(found[0].get("Id"), found[0].get("ChangeKey"))
    if ref is not None:
        assert new.id == ref.id and new.ck != ref.ck
    return new


def assert_sent(r: Response) -> None:
    """Success without an item: the message left its folder (MessageDisposition SendOnly/SendAndSaveCopy)."""
    assert r.codes() == ["NoError"], r.body
    [msg] = r.xpath("//m:ResponseMessages/*")
    assert msg.get("ResponseClass") == "Success"
    assert len(msg.find("m:Items", NS)) == 0


@pytest.fixture(scope="module", autouse=True)
def schema_valid_responses() -> Iterator[None]:
    """After the module: every response body it received validates against Microsoft's schema."""
    _RESPONSES.clear()
    yield
    if _RESPONSES:
        ews_validate(*_RESPONSES)
    _RESPONSES.clear()


@pytest.fixture
def ews(client: Client) -> Ews:
    return Ews(client)
