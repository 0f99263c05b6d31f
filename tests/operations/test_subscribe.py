"""Subscribe, GetEvents and Unsubscribe through the real endpoint (pull subscriptions; push delivery is in
tests/operations/test_push.py): the canonical requests (tests/golden/subscribe/), the events every kind of write
raises, and one test per ResponseCode. Every response is validated against our wsdl/ and Microsoft's schema once
the module has run."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ewsemu.emulator import Emulator

from ..harness import Ews, Ref, assert_error, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import NS

GOLDEN = Path(__file__).parents[1] / "golden" / "subscribe"
ALL_EVENTS = "".join(f"<t:EventType>{e}</t:EventType>" for e in (
    "CopiedEvent", "CreatedEvent", "DeletedEvent", "ModifiedEvent", "MovedEvent", "NewMailEvent",
    "FreeBusyChangedEvent"))


def folders_xml(*names: str) -> str:
    return "<t:FolderIds>" + "".join(f'<t:DistinguishedFolderId Id="{n}"/>' for n in names) + "</t:FolderIds>"


def subscribe(ews: Ews, *folders: str, kind: str = "Pull", events: str = ALL_EVENTS, watermark: str | None = None,
              extra: str | None = None, user: str | None = None):
    where = folders_xml(*folders) if folders else ""
    attr = "" if folders else ' SubscribeToAllFolders="true"'
    mark = f"<t:Watermark>{watermark}</t:Watermark>" if watermark else ""
    tail = extra if extra is not None else {"Pull": "<t:Timeout>10</t:Timeout>",
                                            "Push": "<t:StatusFrequency>1</t:StatusFrequency>"
                                                    "<t:URL>http://127.0.0.1:9/</t:URL>", "Streaming": ""}[kind]
    if kind == "Streaming":
        mark = ""
    return ews.call(f"<m:Subscribe><m:{kind}SubscriptionRequest{attr}>{where}<t:EventTypes>{events}</t:EventTypes>"
                    f"{mark}{tail}</m:{kind}SubscriptionRequest></m:Subscribe>", user=user)


def pull(ews: Ews, *folders: str, **kw) -> tuple[str, str]:
    r = subscribe(ews, *folders, **kw)
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//m:SubscriptionId")[0].text, r.xpath("//m:Watermark")[0].text


def get_events(ews: Ews, sid: str, watermark: str, user: str | None = None):
    return ews.call(f"<m:GetEvents><m:SubscriptionId>{sid}</m:SubscriptionId><m:Watermark>{watermark}</m:Watermark>"
                    "</m:GetEvents>", user=user)


def events(ews: Ews, sid: str, watermark: str) -> tuple[list[tuple[str, str | None]], str, bool]:
    """(event name, ItemId/FolderId) in order, the last Watermark, MoreEvents."""
    r = get_events(ews, sid, watermark)
    assert r.codes() == ["NoError"], r.body
    [note] = r.xpath("//m:Notification")
    found = []
    for el in note:
        name = el.tag.split("}")[1]
        if name.endswith("Event"):
            target = el.find("t:ItemId", NS) if el.find("t:ItemId", NS) is not None else el.find("t:FolderId", NS)
            found.append((name, target.get("Id") if target is not None else None))
    marks = r.xpath("//m:Notification/*/t:Watermark")
    return found, marks[-1].text, r.xpath("//t:MoreEvents")[0].text == "true"


def unsubscribe(ews: Ews, sid: str, user: str | None = None):
    return ews.call(f"<m:Unsubscribe><m:SubscriptionId>{sid}</m:SubscriptionId></m:Unsubscribe>", user=user)


def draft(ews: Ews, subject: str = "hello", folder: str = "drafts") -> str:
    return ews.create("Message", f"<t:Subject>{subject}</t:Subject>", md="SaveOnly",
                      folder=f'<t:DistinguishedFolderId Id="{folder}"/>').id


def test_the_canonical_requests_succeed(ews: Ews) -> None:
    r = ews.post((GOLDEN / "01-subscribe.request.xml").read_bytes())
    assert r.codes() == ["NoError"], r.body
    assert [e.tag.split("}")[1] for e in r.xpath("//m:SubscribeResponseMessage/*")] == [
        "ResponseCode", "SubscriptionId", "Watermark"]


def test_nothing_happened_is_a_status_event(ews: Ews) -> None:
    sid, mark = pull(ews, "drafts")
    found, new_mark, more = events(ews, sid, mark)
    assert found == [("StatusEvent", None)] and not more
    assert unsubscribe(ews, sid).codes() == ["NoError"]
    assert_error(unsubscribe(ews, sid), "ErrorSubscriptionNotFound")


def test_create_modify_delete_raise_their_events(ews: Ews) -> None:
    sid, mark = pull(ews, "drafts")
    item = draft(ews)
    found, mark, _ = events(ews, sid, mark)
    assert found[0] == ("CreatedEvent", item) and found[1][0] == "ModifiedEvent"  # the item, then Drafts itself
    ews.update(Ref(item, None), '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>x</t:Subject>'
                     '</t:Message></t:SetItemField>', md="SaveOnly")
    found, mark, _ = events(ews, sid, mark)
    assert found == [("ModifiedEvent", item)]
    assert ews.delete(Ref(item, None)).codes() == ["NoError"]
    found, mark, _ = events(ews, sid, mark)
    assert found[0] == ("DeletedEvent", item)
    found, _, _ = events(ews, sid, mark)
    assert found == [("StatusEvent", None)]


def test_events_of_other_folders_are_not_seen(ews: Ews) -> None:
    sid, mark = pull(ews, "inbox")
    draft(ews)
    assert events(ews, sid, mark)[0] == [("StatusEvent", None)]
    sid_all, mark_all = pull(ews)
    item = draft(ews)
    assert ("CreatedEvent", item) in events(ews, sid_all, mark_all)[0]


def test_a_move_is_seen_in_both_folders(ews: Ews) -> None:
    item = draft(ews)
    sid_from, mark_from = pull(ews, "drafts")
    sid_to, mark_to = pull(ews, "inbox")
    r = ews.call(f'<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="inbox"/></m:ToFolderId><m:ItemIds>'
                 f'<t:ItemId Id="{item}"/></m:ItemIds></m:MoveItem>')
    new = r.xpath("//m:Items/*/t:ItemId")[0].get("Id")
    for sid, mark in ((sid_from, mark_from), (sid_to, mark_to)):
        body = get_events(ews, sid, mark)
        [moved] = body.xpath("//t:MovedEvent")
        assert moved.find("t:ItemId", NS).get("Id") == new
        assert moved.find("t:OldItemId", NS).get("Id") == item


def test_delivered_mail_raises_new_mail(ews: Ews) -> None:
    sid, mark = ews_pull_as(ews, "bob@example.com")
    r = ews.create_response("Message", "<t:Subject>hi</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>"
                            "bob@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients>", md="SendOnly")
    assert r.codes() == ["NoError"], r.body
    r = get_events(ews, sid, mark, user="bob@example.com")
    assert [e.tag.split("}")[1] for e in r.xpath("//m:Notification/*")][3:5] == ["CreatedEvent", "NewMailEvent"]


def ews_pull_as(ews: Ews, user: str) -> tuple[str, str]:
    r = subscribe(ews, "inbox", user=user)
    assert r.codes() == ["NoError"], r.body
    return r.xpath("//m:SubscriptionId")[0].text, r.xpath("//m:Watermark")[0].text


def test_more_events_pages_and_the_next_call_goes_on(ews: Ews) -> None:
    sid, mark = pull(ews, "drafts", events="<t:EventType>CreatedEvent</t:EventType>")
    made = [draft(ews, f"n{i}") for i in range(55)]
    first, _, more = events(ews, sid, mark)
    assert len(first) == 50 and more
    second, _, more = events(ews, sid, mark)  # exchangelib re-sends the first Watermark while MoreEvents
    assert len(second) == 5 and not more
    assert [i for _, i in first + second] == made


def test_a_subscription_starts_at_its_watermark(ews: Ews) -> None:
    sid, mark = pull(ews, "drafts")
    item = draft(ews)
    unsubscribe(ews, sid)
    again, _ = pull(ews, "drafts", watermark=mark)
    assert events(ews, again, mark)[0][0] == ("CreatedEvent", item)


def test_exchangelib_sends_the_watermark_in_the_messages_namespace(ews: Ews) -> None:
    _, mark = pull(ews, "drafts")
    r = ews.call(f'<m:Subscribe><m:PullSubscriptionRequest>{folders_xml("drafts")}<t:EventTypes>{ALL_EVENTS}'
                 f'</t:EventTypes><m:Watermark>{mark}</m:Watermark><t:Timeout>5</t:Timeout>'
                 '</m:PullSubscriptionRequest></m:Subscribe>')
    assert r.codes() == ["NoError"], r.body


def test_get_events_renews_the_timeout_and_an_expired_subscription_ends(ews: Ews, emulator: Emulator) -> None:
    sid, mark = pull(ews, "drafts")
    emulator.clock.advance(dt.timedelta(minutes=9))
    assert events(ews, sid, mark)[0] == [("StatusEvent", None)]
    emulator.clock.advance(dt.timedelta(minutes=9))
    assert events(ews, sid, mark)[0] == [("StatusEvent", None)]  # 18 minutes after Subscribe, 9 after GetEvents
    emulator.clock.advance(dt.timedelta(minutes=10))
    assert_error(get_events(ews, sid, mark), "ErrorExpiredSubscription")
    assert_error(get_events(ews, sid, mark), "ErrorSubscriptionNotFound")


@pytest.mark.parametrize("bad", ["AAAA", "bm90IGEgd2F0ZXJtYXJr", "!!"])
def test_a_tampered_watermark_is_invalid(ews: Ews, bad: str) -> None:
    sid, mark = pull(ews, "drafts")
    assert_error(get_events(ews, sid, bad), "ErrorInvalidWatermark")
    assert_error(subscribe(ews, "drafts", watermark=bad), "ErrorInvalidWatermark")
    flipped = mark[:-6] + ("A" if mark[-6] != "A" else "B") + mark[-5:]
    assert_error(get_events(ews, sid, flipped), "ErrorInvalidWatermark")


def test_another_mailboxs_watermark_is_invalid(ews: Ews) -> None:
    _, bobs = ews_pull_as(ews, "bob@example.com")
    sid, _ = pull(ews, "drafts")
    assert_error(get_events(ews, sid, bobs), "ErrorInvalidWatermark")


def test_a_watermark_older_than_the_journal_is_invalid(database_url: str) -> None:
    from ewsemu.core.clock import Clock
    from ewsemu.emulator import Settings

    from ..soap import Client
    from ewsemu.server.wsgi import make_app

    emu = Emulator(Settings(database=database_url, seed=7, journal_retention=5), Clock())
    try:
        emu.reset()
        small = Ews(Client(make_app(emu)))
        sid, mark = pull(small, "drafts")
        for i in range(300):
            draft(small, f"n{i}")
        assert_error(subscribe(small, "drafts", watermark=mark), "ErrorInvalidWatermark")
        assert_error(get_events(small, sid, mark), "ErrorInvalidWatermark")
    finally:
        emu.close()


def test_a_bad_or_unknown_id_is_not_found(ews: Ews) -> None:
    for sid in ("nonsense", "GgBld0lEAAAAAAAAAAAAAAAAAAA="):
        assert_error(get_events(ews, sid, pull(ews, "drafts")[1]), "ErrorSubscriptionNotFound")
        assert_error(unsubscribe(ews, sid), "ErrorSubscriptionNotFound")


def test_another_users_subscription_is_access_denied(ews: Ews) -> None:
    sid, mark = pull(ews, "drafts")
    assert_error(get_events(ews, sid, mark, user="bob@example.com"), "ErrorSubscriptionAccessDenied")
    assert_error(unsubscribe(ews, sid, user="bob@example.com"), "ErrorSubscriptionAccessDenied")
    assert events(ews, sid, mark)[0] == [("StatusEvent", None)]  # still alice's


def test_push_and_streaming_ids_are_no_pull_ids(ews: Ews) -> None:
    push = subscribe(ews, "drafts", kind="Push")
    assert push.codes() == ["NoError"], push.body
    push_id, mark = push.xpath("//m:SubscriptionId")[0].text, push.xpath("//m:Watermark")[0].text
    assert_error(get_events(ews, push_id, mark), "ErrorInvalidPullSubscriptionId")
    assert_error(unsubscribe(ews, push_id), "ErrorInvalidSubscription")
    streaming = subscribe(ews, "drafts", kind="Streaming")
    assert streaming.codes() == ["NoError"] and not streaming.xpath("//m:Watermark"), streaming.body
    stream_id = streaming.xpath("//m:SubscriptionId")[0].text
    assert_error(get_events(ews, stream_id, mark), "ErrorInvalidPullSubscriptionId")
    assert unsubscribe(ews, stream_id).codes() == ["NoError"]


def test_too_many_subscriptions(ews: Ews) -> None:
    for _ in range(20):
        pull(ews, "drafts")
    assert_error(subscribe(ews, "drafts"), "ErrorExceededSubscriptionCount")
    assert subscribe(ews, "drafts", user="bob@example.com").codes() == ["NoError"]  # per user


def test_delegate_folders_are_not_supported(ews: Ews) -> None:
    r = ews.call('<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="inbox">'
                 '<t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>'
                 f'</t:FolderIds><t:EventTypes>{ALL_EVENTS}</t:EventTypes><t:Timeout>5</t:Timeout>'
                 '</m:PullSubscriptionRequest></m:Subscribe>')
    assert_error(r, "ErrorSubscriptionDelegateAccessNotSupported")


def test_a_missing_folder(ews: Ews) -> None:
    r = ews.call(f'<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:FolderId Id="AAEuAAAAAAAAAAAAAAAAAAAAAAAA"/>'
                 f'</t:FolderIds><t:EventTypes>{ALL_EVENTS}</t:EventTypes><t:Timeout>5</t:Timeout>'
                 '</m:PullSubscriptionRequest></m:Subscribe>')
    assert r.codes() != ["NoError"], r.body


def test_a_push_url_must_be_http(ews: Ews) -> None:
    r = subscribe(ews, "drafts", kind="Push", extra="<t:StatusFrequency>1</t:StatusFrequency><t:URL>ftp://x/</t:URL>")
    assert_error(r, "ErrorInvalidPushSubscriptionUrl")
    r = subscribe(ews, "drafts", kind="Push",
                  extra="<t:StatusFrequency>1</t:StatusFrequency><t:URL>https://example.com/foo</t:URL>")
    assert r.codes() == ["NoError"]  # any http(s) URL: whether ewsemu may deliver there is decided at delivery


@pytest.mark.parametrize("timeout", ["0", "1441"])
def test_timeout_out_of_range_is_a_schema_fault(ews: Ews, timeout: str) -> None:
    r = subscribe(ews, "drafts", extra=f"<t:Timeout>{timeout}</t:Timeout>")
    assert r.status == 500 and b"ErrorSchemaValidation" in r.body


def test_a_reset_ends_every_subscription(ews: Ews, emulator: Emulator) -> None:
    sid, mark = pull(ews, "drafts")
    emulator.reset()
    assert_error(get_events(ews, sid, mark), "ErrorSubscriptionNotFound")


def test_the_expired_subscription_fault(ews: Ews, emulator: Emulator) -> None:
    sid, mark = pull(ews, "drafts")
    emulator.faults.add({"kind": "expired_subscription", "subscription_id": sid})
    assert_error(get_events(ews, sid, mark), "ErrorExpiredSubscription")
    assert_error(get_events(ews, sid, mark), "ErrorSubscriptionNotFound")
