"""The hand-written EWS schema subset in wsdl/ and ewsemu.protocol.validation.

Three kinds of evidence that the subset is faithful:

* exchangelib's requests to ewsemu and ewsemu's answers (tests/captures/), and the project's examples
  (examples/), validate, and the mistakes clients make are rejected;
* synthetic documents covering every modelled construct are valid against BOTH our schema and
  Microsoft's published one, and a set of broken documents is rejected by both;
* a structural comparison: every type, group and element our XSDs declare is, after normalisation,
  equal to Microsoft's declaration of the same name, or a documented narrowing of it (fewer
  choice alternatives, an opaque placeholder, the optional ConflictResolution of decision D2).

Microsoft's schema is read only as an oracle, from outside the repository (tests/ms_schema.py: ``$EWSEMU_MS_SCHEMA``);
without it the checks against it are skipped, with ``CI=true`` they fail.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
WSDL = REPO / "wsdl"

try:  # a plain checkout without `pip install -e .`
    import ewsemu.core.errors  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    sys.path.insert(0, str(REPO / "src"))

from ewsemu.core.errors import SchemaViolation  # noqa: E402
from ewsemu.operations import REGISTRY  # noqa: E402
from ewsemu.protocol import validation  # noqa: E402

from .. import ms_schema  # noqa: E402
from ..soap import CAPTURES  # noqa: E402

NS_S = "http://schemas.xmlsoap.org/soap/envelope/"
NS_M = validation.NS_MESSAGES
NS_T = validation.NS_TYPES
XS = "{http://www.w3.org/2001/XMLSchema}"
M = f"{{{NS_M}}}"
T = f"{{{NS_T}}}"


# ---- helpers ------------------------------------------------------------------------------------------


def parse(data: bytes | str | Path) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if isinstance(data, Path):
        return etree.parse(str(data), parser)
    if isinstance(data, str):
        data = data.encode()
    return etree.ElementTree(etree.fromstring(data, parser))


def payloads(tree: etree._ElementTree) -> list[etree._Element]:
    """The body payload elements and the known EWS header elements of an envelope (or a bare payload)."""
    return list(ms_schema.payloads(tree.getroot(), validation.KNOWN_HEADERS))


def errors_ours(tree: etree._ElementTree) -> list[str]:
    return ms_schema.errors_ours(tree)


def errors_ms(tree: etree._ElementTree) -> list[str]:
    """Microsoft's errors; skips the test without Microsoft's schema (fails with CI=true)."""
    return ms_schema.errors(tree)


def envelope(body: str, headers: str = '<t:RequestServerVersion Version="Exchange2016"/>') -> str:
    return (
        f'<s:Envelope xmlns:s="{NS_S}" xmlns:m="{NS_M}" xmlns:t="{NS_T}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<s:Header>{headers}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )


def captures(pattern: str) -> list[Path]:
    return sorted(CAPTURES.glob(f"*/{pattern}"))


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


# ---- the module ---------------------------------------------------------------------------------------


def test_wsdl_dir_defaults_to_the_checkout():
    assert validation.WSDL_DIR == WSDL
    for name in ("Services.wsdl", "messages.xsd", "types.xsd", "xml.xsd"):
        assert (validation.WSDL_DIR / name).is_file(), name


def test_wsdl_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EWSEMU_WSDL_DIR", str(tmp_path))
    assert validation.wsdl_dir() == tmp_path
    monkeypatch.delenv("EWSEMU_WSDL_DIR")
    assert validation.wsdl_dir() == WSDL


def test_schema_is_compiled_once_per_thread():
    first = validation.schema()
    assert validation.schema() is first
    seen = []
    worker = threading.Thread(target=lambda: seen.append(validation.schema()))
    worker.start()
    worker.join()
    assert seen and seen[0] is not first


def test_validation_is_thread_safe():
    """Concurrent requests, each with its own document (lxml validates a sub-element through a
    temporary document that borrows its children, so one document must not be validated from two
    threads at once; requests never share documents)."""
    failures: list[str] = []

    def run() -> None:
        for _ in range(200):
            good = parse(envelope(UPDATE_ITEM_OK)).getroot()[1][0]
            bad = parse(envelope(UPDATE_ITEM_OK.replace("task:Status", "task:Progress"))).getroot()[1][0]
            validation.validate(good)
            try:
                validation.validate(bad)
            except SchemaViolation as err:
                if "task:Progress" not in err.violation:
                    failures.append(err.violation)
            else:
                failures.append("accepted an invalid request")

    threads = [threading.Thread(target=run) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures


def test_known_headers():
    for name in ("RequestServerVersion", "ServerVersionInfo", "ExchangeImpersonation", "MailboxCulture",
                 "TimeZoneContext", "DateTimePrecision"):
        assert validation.is_known_header(T + name)
    assert not validation.is_known_header(M + "RequestServerVersion")
    assert not validation.is_known_header(T + "ItemId")
    assert not validation.is_known_header("{urn:other}Security")


def test_violation_reports_line_numbers_of_the_original_document():
    text = envelope(UPDATE_ITEM_OK.replace("task:Status", "task:Progress")).replace("><", ">\n<")
    tree = parse(text)
    body = tree.getroot()[1][0]
    expected = next(el.sourceline for el in tree.iter(T + "FieldURI") if el.get("FieldURI") == "task:Progress")
    with pytest.raises(SchemaViolation) as info:
        validation.validate(body)
    err = info.value
    assert err.code == "ErrorSchemaValidation"
    assert err.line == expected > body.sourceline
    assert err.column == 0
    assert "task:Progress" in err.violation and "FieldURI" in err.violation


def test_a_bare_payload_document_validates_as_root():
    body = parse(envelope(UPDATE_ITEM_OK)).getroot()[1][0]
    bare = parse(etree.tostring(body))
    validation.validate(bare.getroot())
    bare.getroot().set("ConflictResolution", "Sometimes")
    with pytest.raises(SchemaViolation) as info:
        validation.validate(bare.getroot())
    assert info.value.line == 1 and "ConflictResolution" in info.value.violation


def test_unknown_root_element_is_a_violation():
    with pytest.raises(SchemaViolation) as info:
        validation.validate(etree.fromstring(f'<m:GetInboxRules xmlns:m="{NS_M}"/>'))
    assert "No matching global declaration" in info.value.violation


def test_https_namespace_gets_a_hint():
    doc = etree.fromstring(
        f'<m:UpdateItem xmlns:m="{NS_M.replace("http:", "https:")}" ConflictResolution="AutoResolve"/>')
    with pytest.raises(SchemaViolation) as info:
        validation.validate(doc)
    assert "not https://" in info.value.violation


def test_microsofts_two_files_are_enough(tmp_path):
    """What an Exchange server serves (/EWS/messages.xsd, /EWS/types.xsd) compiles without an xml.xsd beside it:
    our wsdl/xml.xsd stands in for the W3C schema types.xsd imports."""
    ms_schema.require()
    for name in ms_schema.FILES:
        (tmp_path / name).write_bytes((ms_schema.folder() / name).read_bytes())
    schema = ms_schema.compile_schema(tmp_path)
    assert schema.validate(parse(envelope(UPDATE_ITEM_OK)).getroot()[1][0])
    assert not schema.validate(parse(envelope(UPDATE_ITEM_OK.replace("task:Status", "task:Progress"))).getroot()[1][0])


def test_missing_conflict_resolution_is_accepted_by_ours_only():
    """Decision D2: a missing ConflictResolution means AutoResolve; Microsoft's XSD requires it."""
    tree = parse(envelope(UPDATE_ITEM_OK.replace(' ConflictResolution="AutoResolve"', "")))
    assert errors_ours(tree) == []
    assert any("ConflictResolution" in e for e in errors_ms(tree))


# ---- exchangelib's requests, ewsemu's answers, the examples ------------------------------------------

#: the operations the captures must cover, so a broken regeneration cannot empty the tests below
CAPTURED_OPERATIONS = {"GetFolder", "CreateItem", "UpdateItem", "GetItem", "FindItem", "DeleteItem", "ConvertId"}
ITEM_REFRESH = "flow/05-GetItem-refresh.response.xml"


def test_captures_cover_every_operation_exchangelib_uses():
    ops = {etree.QName(payloads(parse(p))[-1]).localname for p in captures("*.request.xml")}
    assert ops == CAPTURED_OPERATIONS
    # every request has one answer: a SOAP envelope, or a 401 challenge as plain HTTP (the probe and NTLM legs)
    challenges = captures("*.response.txt")
    assert [p.read_text().splitlines()[0] for p in challenges] == ["HTTP/1.1 401 Unauthorized"] * 3
    assert len(captures("*.response.xml")) + len(challenges) == len(captures("*.request.xml"))


@pytest.mark.parametrize("path", captures("*.request.xml"), ids=_id)
def test_exchangelib_request_is_valid(path):
    tree = parse(path)
    for el in payloads(tree):
        validation.validate(el)
    assert errors_ms(tree) == []


@pytest.mark.parametrize("path", captures("recurring-*-complete.request.xml"), ids=_id)
def test_a_datetime_range_start_fails_both(path):
    """exchangelib sends a datetime in the xs:date range StartDate when the server wrote the date without a zone
    suffix (ewsemu writes ``2016-02-01Z``, so the captures carry a bare date); both schemas reject that form."""
    tree = parse(path)
    (start,) = tree.getroot().iterfind(f".//{T}Recurrence/*/{T}StartDate")
    start.text += "T00:00:00Z"
    errs = errors_ours(tree)
    assert len(errs) == 1 and "StartDate" in errs[0] and "xs:date" in errs[0], errs
    assert errors_ms(tree)


@pytest.mark.parametrize(
    "path",
    captures("*.response.xml") + [EXAMPLES / f"updateitem-{name}-response.xml" for name in ("task", "error")],
    ids=_id,
)
def test_response_is_valid(path):
    tree = parse(path)
    assert errors_ours(tree) == []
    assert errors_ms(tree) == []


def test_task_children_out_of_schema_order_fail_both():
    """A response that puts t:IsRecurring after t:Status (as a careless server would) is invalid: schema order
    is ChangeCount ... IsRecurring ... Status."""
    tree = parse(CAPTURES / ITEM_REFRESH)
    (task,) = tree.getroot().iter(T + "Task")
    task.find(T + "Status").addnext(task.find(T + "IsRecurring"))
    errs = errors_ours(tree)
    assert errs and "IsRecurring" in errs[0], errs
    assert errors_ms(tree)


def test_updateitem_example_request_is_valid():
    tree = parse(EXAMPLES / "updateitem-task-request.xml")
    for el in payloads(tree):
        validation.validate(el)
    assert len(payloads(tree)) == 3  # RequestServerVersion, TimeZoneContext, UpdateItem


def test_invalid_updateitem_example():
    """Three of its four deliberate errors; the fourth (no ConflictResolution) is accepted (D2)."""
    tree = parse(EXAMPLES / "invalid-updateitem-request.xml")
    body = payloads(tree)[-1]
    path = next(body.iter(T + "Path"))
    due = next(e for e in body.iter(T + "DueDate"))
    uri = next(e for e in body.iter(T + "FieldURI") if e.get("FieldURI") == "task:Priority")
    errs = validation.schema_errors(body)
    by_line = {e.line: e.message for e in errs}
    assert len(errs) == 3, by_line
    assert "Path" in by_line[path.sourceline] and "abstract" in by_line[path.sourceline]
    assert "DueDate" in by_line[due.sourceline] and "not expected" in by_line[due.sourceline]
    assert "task:Priority" in by_line[uri.sourceline] and "enumeration" in by_line[uri.sourceline]
    assert not any("ConflictResolution" in m for m in by_line.values())
    with pytest.raises(SchemaViolation) as info:
        validation.validate(body)
    assert info.value.line == path.sourceline
    ms = errors_ms(tree)
    assert len(ms) == 4 and any("ConflictResolution" in e for e in ms)


# ---- synthetic documents: valid against both schemas --------------------------------------------------

UPDATE_ITEM_OK = """
<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"
              SendMeetingInvitationsOrCancellations="SendToNone" SuppressReadReceipts="true">
  <m:ItemChanges>
    <t:ItemChange>
      <t:ItemId Id="AAA" ChangeKey="CK"/>
      <t:Updates>
        <t:SetItemField><t:FieldURI FieldURI="task:Status"/><t:Task><t:Status>InProgress</t:Status></t:Task></t:SetItemField>
        <t:DeleteItemField><t:FieldURI FieldURI="task:DueDate"/></t:DeleteItemField>
        <t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:Task><t:Body BodyType="Text">x</t:Body></t:Task></t:AppendToItemField>
        <t:SetItemField><t:FieldURI FieldURI="task:PercentComplete"/><t:Task><t:PercentComplete>50</t:PercentComplete></t:Task></t:SetItemField>
      </t:Updates>
    </t:ItemChange>
  </m:ItemChanges>
</m:UpdateItem>
"""

ADDRESS = ("<t:Mailbox><t:Name>Alice</t:Name><t:EmailAddress>alice@example.com</t:EmailAddress>"
           "<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType>"
           '<t:ItemId Id="C1"/><t:OriginalDisplayName>A</t:OriginalDisplayName></t:Mailbox>')

EFFECTIVE_RIGHTS = ("<t:EffectiveRights><t:CreateAssociated>false</t:CreateAssociated><t:CreateContents>false"
                    "</t:CreateContents><t:CreateHierarchy>false</t:CreateHierarchy><t:Delete>true</t:Delete>"
                    "<t:Modify>true</t:Modify><t:Read>true</t:Read><t:ViewPrivateItems>true</t:ViewPrivateItems>"
                    "</t:EffectiveRights>")

GUID = "c11ff724-aa03-4555-9952-8fa248a11c3e"

#: every ItemType child, in schema order (the four social-activity lists that need Microsoft's
#: EmailAddressExtendedType are left out: MentionsEx, AppliedHashtags, Likes)
ITEM_CHILDREN = f"""
<t:MimeContent CharacterSet="UTF-8">QUJD</t:MimeContent>
<t:ItemId Id="ITEM1" ChangeKey="CK1"/>
<t:ParentFolderId Id="TASKS" ChangeKey="F1"/>
<t:ItemClass>IPM.Task</t:ItemClass>
<t:Subject>Everything</t:Subject>
<t:Sensitivity>Confidential</t:Sensitivity>
<t:Body BodyType="HTML" IsTruncated="false">&lt;p&gt;hi&lt;/p&gt;</t:Body>
<t:Attachments><t:FileAttachment><t:Name>a.txt</t:Name></t:FileAttachment></t:Attachments>
<t:DateTimeReceived>2026-01-13T09:00:00Z</t:DateTimeReceived>
<t:Size>1024</t:Size>
<t:Categories><t:String>cat1</t:String><t:String>cat2</t:String></t:Categories>
<t:Importance>High</t:Importance>
<t:InReplyTo>x</t:InReplyTo>
<t:IsSubmitted>false</t:IsSubmitted>
<t:IsDraft>0</t:IsDraft>
<t:IsFromMe>false</t:IsFromMe>
<t:IsResend>false</t:IsResend>
<t:IsUnmodified>true</t:IsUnmodified>
<t:InternetMessageHeaders><t:InternetMessageHeader HeaderName="X-A">1</t:InternetMessageHeader></t:InternetMessageHeaders>
<t:DateTimeSent>2026-01-13T09:00:00Z</t:DateTimeSent>
<t:DateTimeCreated>2026-01-13T09:00:00+01:00</t:DateTimeCreated>
<t:ResponseObjects/>
<t:ReminderDueBy>2026-01-14T08:00:00Z</t:ReminderDueBy>
<t:ReminderIsSet>true</t:ReminderIsSet>
<t:ReminderNextTime>2026-01-14T08:00:00Z</t:ReminderNextTime>
<t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart>
<t:DisplayCc>b</t:DisplayCc>
<t:DisplayTo>a</t:DisplayTo>
<t:DisplayBcc>c</t:DisplayBcc>
<t:HasAttachments>true</t:HasAttachments>
<t:ExtendedProperty>
  <t:ExtendedFieldURI PropertySetId="{GUID}" PropertyName="External ID" PropertyType="String"/>
  <t:Value>abc</t:Value>
</t:ExtendedProperty>
<t:ExtendedProperty>
  <t:ExtendedFieldURI PropertyTag="0x3A4F" PropertyType="StringArray"/>
  <t:Values><t:Value>a</t:Value><t:Value>b</t:Value></t:Values>
</t:ExtendedProperty>
<t:ExtendedProperty>
  <t:ExtendedFieldURI DistinguishedPropertySetId="Task" PropertyId="33025" PropertyType="Boolean"/>
  <t:Value>true</t:Value>
</t:ExtendedProperty>
<t:Culture>en-US</t:Culture>
{EFFECTIVE_RIGHTS}
<t:LastModifiedName>Alice</t:LastModifiedName>
<t:LastModifiedTime>2026-01-13T09:00:00Z</t:LastModifiedTime>
<t:IsAssociated>false</t:IsAssociated>
<t:WebClientReadFormQueryString>r</t:WebClientReadFormQueryString>
<t:WebClientEditFormQueryString>e</t:WebClientEditFormQueryString>
<t:ConversationId Id="CONV"/>
<t:UniqueBody BodyType="Text">u</t:UniqueBody>
<t:Flag><t:FlagStatus>Flagged</t:FlagStatus><t:StartDate>2026-01-13T00:00:00Z</t:StartDate>
  <t:DueDate>2026-01-14T00:00:00Z</t:DueDate></t:Flag>
<t:StoreEntryId>AAEC</t:StoreEntryId>
<t:InstanceKey>AAEC</t:InstanceKey>
<t:NormalizedBody BodyType="Text">n</t:NormalizedBody>
<t:EntityExtractionResult/>
<t:PolicyTag IsExplicit="false">{GUID}</t:PolicyTag>
<t:ArchiveTag IsExplicit="true">{GUID}</t:ArchiveTag>
<t:RetentionDate>2027-01-13T00:00:00Z</t:RetentionDate>
<t:Preview>p</t:Preview>
<t:RightsManagementLicenseData/>
<t:PredictedActionReasons><t:PredictedActionReason>PreviouslyFlagged</t:PredictedActionReason></t:PredictedActionReasons>
<t:IsClutter>false</t:IsClutter>
<t:BlockStatus>false</t:BlockStatus>
<t:HasBlockedImages>false</t:HasBlockedImages>
<t:TextBody BodyType="Text">t</t:TextBody>
<t:IconIndex>TaskRecur</t:IconIndex>
<t:SearchKey>AAEC</t:SearchKey>
<t:SortKey>42</t:SortKey>
<t:Hashtags><t:String>h</t:String></t:Hashtags>
<t:Mentions>{ADDRESS}</t:Mentions>
<t:MentionedMe>false</t:MentionedMe>
<t:MentionsPreview><t:IsMentioned>false</t:IsMentioned></t:MentionsPreview>
<t:AppliedHashtagsPreview><t:Hashtags/></t:AppliedHashtagsPreview>
<t:LikesPreview><t:LikeCount>0</t:LikeCount></t:LikesPreview>
<t:PendingSocialActivityTagIds/>
<t:AtAllMention>false</t:AtAllMention>
<t:CanDelete>true</t:CanDelete>
<t:InferenceClassification>Focused</t:InferenceClassification>
"""

PATTERNS = {
    "RelativeYearlyRecurrence": "<t:DaysOfWeek>Monday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex>"
                                "<t:Month>January</t:Month>",
    "AbsoluteYearlyRecurrence": "<t:DayOfMonth>5</t:DayOfMonth><t:Month>March</t:Month>",
    "RelativeMonthlyRecurrence": "<t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek>"
                                 "<t:DayOfWeekIndex>Last</t:DayOfWeekIndex>",
    "AbsoluteMonthlyRecurrence": "<t:Interval>2</t:Interval><t:DayOfMonth>15</t:DayOfMonth>",
    "WeeklyRecurrence": "<t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday Friday</t:DaysOfWeek>"
                        "<t:FirstDayOfWeek>Monday</t:FirstDayOfWeek>",
    "DailyRecurrence": "<t:Interval>3</t:Interval>",
    "DailyRegeneration": "<t:Interval>1</t:Interval>",
    "WeeklyRegeneration": "<t:Interval>2</t:Interval>",
    "MonthlyRegeneration": "<t:Interval>1</t:Interval>",
    "YearlyRegeneration": "<t:Interval>1</t:Interval>",
}
RANGES = {
    "NoEndRecurrence": "<t:StartDate>2026-01-05</t:StartDate>",
    "EndDateRecurrence": "<t:StartDate>2026-01-05Z</t:StartDate><t:EndDate>2026-06-30+01:00</t:EndDate>",
    "NumberedRecurrence": "<t:StartDate>2026-01-05</t:StartDate><t:NumberOfOccurrences>10</t:NumberOfOccurrences>",
}


def recurrence(pattern: str, rng: str) -> str:
    return f"<t:Recurrence><t:{pattern}>{PATTERNS[pattern]}</t:{pattern}><t:{rng}>{RANGES[rng]}</t:{rng}></t:Recurrence>"


def task_children(recur: str = recurrence("WeeklyRecurrence", "NumberedRecurrence")) -> str:
    """Every TaskType child, in schema order."""
    return f"""
<t:ActualWork>60</t:ActualWork>
<t:AssignedTime>2026-01-13T09:00:00Z</t:AssignedTime>
<t:BillingInformation>b</t:BillingInformation>
<t:ChangeCount>3</t:ChangeCount>
<t:Companies><t:String>ACME</t:String></t:Companies>
<t:CompleteDate>2026-01-13T00:00:00Z</t:CompleteDate>
<t:Contacts><t:String>Bob</t:String></t:Contacts>
<t:DelegationState>Owned</t:DelegationState>
<t:Delegator>Carol</t:Delegator>
<t:DueDate>2026-01-20T00:00:00+01:00</t:DueDate>
<t:IsAssignmentEditable>0</t:IsAssignmentEditable>
<t:IsComplete>false</t:IsComplete>
<t:IsRecurring>true</t:IsRecurring>
<t:IsTeamTask>false</t:IsTeamTask>
<t:Mileage>12 km</t:Mileage>
<t:Owner>Alice</t:Owner>
<t:PercentComplete>79.60</t:PercentComplete>
{recur}
<t:StartDate>2026-01-13T00:00:00+01:00</t:StartDate>
<t:Status>WaitingOnOthers</t:Status>
<t:StatusDescription>Waiting on someone else</t:StatusDescription>
<t:TotalWork>120</t:TotalWork>
"""


def full_task(recur: str | None = None) -> str:
    return f"<t:Task>{ITEM_CHILDREN}{task_children(recur or recurrence('WeeklyRecurrence', 'NumberedRecurrence'))}</t:Task>"


def response(op: str, inner: str, cls: str = "Success", code: str = "NoError") -> str:
    return (f"<m:{op}Response><m:ResponseMessages><m:{op}ResponseMessage ResponseClass=\"{cls}\">"
            f"<m:ResponseCode>{code}</m:ResponseCode>{inner}</m:{op}ResponseMessage></m:ResponseMessages>"
            f"</m:{op}Response>")


SERVER_VERSION = ('<t:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" '
                  'MinorBuildNumber="6" Version="V2017_07_11"/>')

FULL_TIMEZONE = """
<t:TimeZoneContext>
  <t:TimeZoneDefinition Id="W. Europe Standard Time" Name="(UTC+01:00) Amsterdam">
    <t:Periods>
      <t:Period Bias="-PT60M" Name="Standard" Id="trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard"/>
      <t:Period Bias="-PT120M" Name="Daylight" Id="trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight"/>
    </t:Periods>
    <t:TransitionsGroups>
      <t:TransitionsGroup Id="0">
        <t:RecurringDayTransition>
          <t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/2006-Daylight</t:To>
          <t:TimeOffset>PT2H</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence>
        </t:RecurringDayTransition>
        <t:RecurringDateTransition>
          <t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard</t:To>
          <t:TimeOffset>PT3H</t:TimeOffset><t:Month>10</t:Month><t:Day>25</t:Day>
        </t:RecurringDateTransition>
      </t:TransitionsGroup>
    </t:TransitionsGroups>
    <t:Transitions>
      <t:Transition><t:To Kind="Group">0</t:To></t:Transition>
      <t:AbsoluteDateTransition><t:To Kind="Group">0</t:To><t:DateTime>2007-01-01T00:00:00</t:DateTime></t:AbsoluteDateTransition>
    </t:Transitions>
  </t:TimeZoneDefinition>
</t:TimeZoneContext>
"""

MESSAGE = f"""
<t:Message>
  <t:Subject>m</t:Subject>
  <t:Sender>{ADDRESS}</t:Sender>
  <t:ToRecipients>{ADDRESS}{ADDRESS}</t:ToRecipients>
  <t:CcRecipients/>
  <t:BccRecipients>{ADDRESS}</t:BccRecipients>
  <t:IsReadReceiptRequested>false</t:IsReadReceiptRequested>
  <t:IsDeliveryReceiptRequested>false</t:IsDeliveryReceiptRequested>
  <t:ConversationIndex>AQID</t:ConversationIndex>
  <t:ConversationTopic>topic</t:ConversationTopic>
  <t:From>{ADDRESS}</t:From>
  <t:InternetMessageId>&lt;1@example.com&gt;</t:InternetMessageId>
  <t:IsRead>true</t:IsRead>
  <t:IsResponseRequested>false</t:IsResponseRequested>
  <t:References>r</t:References>
  <t:ReplyTo>{ADDRESS}</t:ReplyTo>
  <t:ReceivedBy>{ADDRESS}</t:ReceivedBy>
  <t:ReceivedRepresenting>{ADDRESS}</t:ReceivedRepresenting>
  <t:SenderSMTPAddress>alice@example.com</t:SenderSMTPAddress>
  <t:MailboxGuids><t:MailboxGuid>{GUID}</t:MailboxGuid></t:MailboxGuids>
  <t:PublishedCalendarItemIcs>ics</t:PublishedCalendarItemIcs>
  <t:PublishedCalendarItemName>n</t:PublishedCalendarItemName>
</t:Message>
"""

CALENDAR_ITEM = f"""
<t:CalendarItem>
  <t:Subject>c</t:Subject>
  <t:ReminderMinutesBeforeStart>1525252321</t:ReminderMinutesBeforeStart>
  <t:UID>uid</t:UID>
  <t:RecurrenceId>2026-01-13T09:00:00Z</t:RecurrenceId>
  <t:DateTimeStamp>2026-01-13T09:00:00Z</t:DateTimeStamp>
  <t:Start>2026-01-13T09:00:00Z</t:Start>
  <t:End>2026-01-13T10:00:00Z</t:End>
  <t:OriginalStart>2026-01-13T09:00:00Z</t:OriginalStart>
  <t:IsAllDayEvent>false</t:IsAllDayEvent>
  <t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>
  <t:Location>Room 1</t:Location>
  <t:When>w</t:When>
  <t:IsMeeting>true</t:IsMeeting>
  <t:IsCancelled>false</t:IsCancelled>
  <t:IsRecurring>true</t:IsRecurring>
  <t:MeetingRequestWasSent>true</t:MeetingRequestWasSent>
  <t:IsResponseRequested>true</t:IsResponseRequested>
  <t:CalendarItemType>RecurringMaster</t:CalendarItemType>
  <t:MyResponseType>Organizer</t:MyResponseType>
  <t:Organizer>{ADDRESS}</t:Organizer>
  <t:RequiredAttendees><t:Attendee>{ADDRESS}<t:ResponseType>Accept</t:ResponseType>
    <t:LastResponseTime>2026-01-13T09:00:00Z</t:LastResponseTime></t:Attendee></t:RequiredAttendees>
  <t:OptionalAttendees><t:Attendee>{ADDRESS}</t:Attendee></t:OptionalAttendees>
  <t:Resources><t:Attendee>{ADDRESS}</t:Attendee></t:Resources>
  <t:ConflictingMeetingCount>0</t:ConflictingMeetingCount>
  <t:AdjacentMeetingCount>1</t:AdjacentMeetingCount>
  <t:AdjacentMeetings><t:CalendarItem><t:Subject>next</t:Subject></t:CalendarItem></t:AdjacentMeetings>
  <t:Duration>PT1H</t:Duration>
  <t:TimeZone>UTC</t:TimeZone>
  <t:AppointmentSequenceNumber>0</t:AppointmentSequenceNumber>
  <t:AppointmentState>1</t:AppointmentState>
  <t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek></t:WeeklyRecurrence>
    <t:EndDateRecurrence><t:StartDate>2026-01-13</t:StartDate><t:EndDate>2026-03-31</t:EndDate></t:EndDateRecurrence></t:Recurrence>
  <t:FirstOccurrence><t:ItemId Id="O1"/><t:Start>2026-01-13T09:00:00Z</t:Start><t:End>2026-01-13T10:00:00Z</t:End>
    <t:OriginalStart>2026-01-13T09:00:00Z</t:OriginalStart></t:FirstOccurrence>
  <t:ModifiedOccurrences><t:Occurrence><t:ItemId Id="O2"/><t:Start>2026-01-20T09:00:00Z</t:Start>
    <t:End>2026-01-20T10:00:00Z</t:End><t:OriginalStart>2026-01-20T09:00:00Z</t:OriginalStart></t:Occurrence></t:ModifiedOccurrences>
  <t:DeletedOccurrences><t:DeletedOccurrence><t:Start>2026-01-27T09:00:00Z</t:Start></t:DeletedOccurrence></t:DeletedOccurrences>
  <t:MeetingTimeZone TimeZoneName="W. Europe"><t:BaseOffset>-PT1H</t:BaseOffset>
    <t:Standard><t:Offset>PT0M</t:Offset><t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek>
      <t:DayOfWeekIndex>Last</t:DayOfWeekIndex><t:Month>October</t:Month></t:RelativeYearlyRecurrence><t:Time>03:00:00</t:Time></t:Standard>
    <t:Daylight><t:Offset>-PT1H</t:Offset><t:AbsoluteDate>2026-03-29</t:AbsoluteDate><t:Time>02:00:00</t:Time></t:Daylight>
  </t:MeetingTimeZone>
  <t:StartTimeZone Id="UTC"/>
  <t:EndTimeZone Id="UTC"/>
  <t:ConferenceType>0</t:ConferenceType>
  <t:AllowNewTimeProposal>true</t:AllowNewTimeProposal>
  <t:IsOnlineMeeting>false</t:IsOnlineMeeting>
  <t:MeetingWorkspaceUrl>u</t:MeetingWorkspaceUrl>
  <t:NetShowUrl>u</t:NetShowUrl>
  <t:StartWallClock>2026-01-13T09:00:00Z</t:StartWallClock>
  <t:EndWallClock>2026-01-13T10:00:00Z</t:EndWallClock>
  <t:StartTimeZoneId>UTC</t:StartTimeZoneId>
  <t:EndTimeZoneId>UTC</t:EndTimeZoneId>
  <t:IntendedFreeBusyStatus>Busy</t:IntendedFreeBusyStatus>
  <t:JoinOnlineMeetingUrl>u</t:JoinOnlineMeetingUrl>
  <t:IsOrganizer>true</t:IsOrganizer>
  <t:CalendarActivityData><t:ActivityAction>a</t:ActivityAction><t:ClientId>c</t:ClientId>
    <t:CasRequestId>{GUID}</t:CasRequestId><t:IndexSelected>0</t:IndexSelected></t:CalendarActivityData>
  <t:DoNotForwardMeeting>false</t:DoNotForwardMeeting>
</t:CalendarItem>
"""

CONTACT = f"""
<t:Contact>
  <t:Subject>Bob</t:Subject>
  <t:FileAs>Bob</t:FileAs>
  <t:FileAsMapping>LastCommaFirst</t:FileAsMapping>
  <t:DisplayName>Bob B</t:DisplayName>
  <t:GivenName>Bob</t:GivenName>
  <t:Initials>B</t:Initials>
  <t:MiddleName>M</t:MiddleName>
  <t:Nickname>Bobby</t:Nickname>
  <t:CompleteName><t:Title>Dr</t:Title><t:FirstName>Bob</t:FirstName><t:LastName>B</t:LastName>
    <t:FullName>Dr Bob B</t:FullName></t:CompleteName>
  <t:CompanyName>ACME</t:CompanyName>
  <t:EmailAddresses><t:Entry Key="EmailAddress1" Name="Bob" RoutingType="SMTP" MailboxType="Contact">bob@example.com</t:Entry></t:EmailAddresses>
  <t:PhysicalAddresses><t:Entry Key="Business"><t:Street>Main St 1</t:Street><t:City>Town</t:City>
    <t:PostalCode>1234</t:PostalCode></t:Entry></t:PhysicalAddresses>
  <t:PhoneNumbers><t:Entry Key="MobilePhone">+1 555</t:Entry><t:Entry Key="BusinessFax">+1 556</t:Entry></t:PhoneNumbers>
  <t:AssistantName>Ann</t:AssistantName>
  <t:Birthday>1980-01-01T00:00:00Z</t:Birthday>
  <t:BusinessHomePage>https://example.com/</t:BusinessHomePage>
  <t:Children><t:String>C</t:String></t:Children>
  <t:Companies><t:String>ACME</t:String></t:Companies>
  <t:ContactSource>Store</t:ContactSource>
  <t:Department>R&amp;D</t:Department>
  <t:Generation>Jr</t:Generation>
  <t:ImAddresses><t:Entry Key="ImAddress1">bob@im</t:Entry></t:ImAddresses>
  <t:JobTitle>Engineer</t:JobTitle>
  <t:Manager>Carol</t:Manager>
  <t:Mileage>1</t:Mileage>
  <t:OfficeLocation>HQ</t:OfficeLocation>
  <t:PostalAddressIndex>Business</t:PostalAddressIndex>
  <t:Profession>p</t:Profession>
  <t:SpouseName>s</t:SpouseName>
  <t:Surname>B</t:Surname>
  <t:WeddingAnniversary>2005-06-01T00:00:00Z</t:WeddingAnniversary>
  <t:HasPicture>false</t:HasPicture>
  <t:Alias>bob</t:Alias>
  <t:Notes>n</t:Notes>
  <t:UserSMIMECertificate><t:Base64Binary>AAEC</t:Base64Binary></t:UserSMIMECertificate>
  <t:ManagerMailbox>{ADDRESS}</t:ManagerMailbox>
  <t:DirectReports>{ADDRESS}</t:DirectReports>
  <t:PassportId>123</t:PassportId>
  <t:AbchContactId>{GUID}</t:AbchContactId>
  <t:ConversationGuid>{GUID}</t:ConversationGuid>
</t:Contact>
"""

OTHER_ITEMS = f"""
<t:Item><t:ItemClass>IPM.Note.Custom</t:ItemClass><t:Subject>generic</t:Subject></t:Item>
<t:DistributionList><t:DisplayName>DL</t:DisplayName><t:FileAs>DL</t:FileAs><t:ContactSource>Store</t:ContactSource>
  <t:Members><t:Member Key="k1">{ADDRESS}<t:Status>Normal</t:Status></t:Member></t:Members></t:DistributionList>
<t:MeetingMessage><t:Subject>mm</t:Subject><t:IsRead>false</t:IsRead><t:AssociatedCalendarItemId Id="CAL"/>
  <t:IsDelegated>false</t:IsDelegated><t:IsOutOfDate>false</t:IsOutOfDate><t:HasBeenProcessed>true</t:HasBeenProcessed>
  <t:ResponseType>NoResponseReceived</t:ResponseType><t:UID>u</t:UID><t:IsOrganizer>false</t:IsOrganizer></t:MeetingMessage>
<t:MeetingRequest><t:ResponseType>Unknown</t:ResponseType><t:MeetingRequestType>NewMeetingRequest</t:MeetingRequestType>
  <t:IntendedFreeBusyStatus>Tentative</t:IntendedFreeBusyStatus><t:Start>2026-01-13T09:00:00Z</t:Start>
  <t:End>2026-01-13T10:00:00Z</t:End><t:Location>l</t:Location><t:Organizer>{ADDRESS}</t:Organizer>
  <t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>
    <t:NoEndRecurrence><t:StartDate>2026-01-13</t:StartDate></t:NoEndRecurrence></t:Recurrence>
  <t:DoNotForwardMeeting>false</t:DoNotForwardMeeting></t:MeetingRequest>
<t:MeetingResponse><t:Start>2026-01-13T09:00:00Z</t:Start><t:CalendarItemType>Single</t:CalendarItemType>
  <t:ProposedStart>2026-01-13T11:00:00Z</t:ProposedStart><t:ProposedEnd>2026-01-13T12:00:00Z</t:ProposedEnd></t:MeetingResponse>
<t:MeetingCancellation><t:Start>2026-01-13T09:00:00Z</t:Start><t:End>2026-01-13T10:00:00Z</t:End>
  <t:DoNotForwardMeeting>true</t:DoNotForwardMeeting></t:MeetingCancellation>
<t:PostItem><t:Subject>post</t:Subject><t:ConversationTopic>t</t:ConversationTopic><t:From>{ADDRESS}</t:From>
  <t:IsRead>true</t:IsRead><t:PostedTime>2026-01-13T09:00:00Z</t:PostedTime><t:Sender>{ADDRESS}</t:Sender></t:PostItem>
"""

MAILBOX_TASKS = ('<t:DistinguishedFolderId Id="tasks"><t:Mailbox><t:EmailAddress>alice@example.com</t:EmailAddress>'
                 "<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>"
                 "</t:DistinguishedFolderId>")

EVERY_RESTRICTION = f"""
<t:And>
  <t:Exists><t:FieldURI FieldURI="task:DueDate"/></t:Exists>
  <t:Excludes><t:ExtendedFieldURI PropertyTag="0x0E07" PropertyType="Integer"/><t:Bitmask Value="0x10"/></t:Excludes>
  <t:IsEqualTo><t:FieldURI FieldURI="item:Categories"/><t:FieldURIOrConstant><t:Constant Value="cat1"/></t:FieldURIOrConstant></t:IsEqualTo>
  <t:IsNotEqualTo><t:FieldURI FieldURI="task:StartDate"/><t:FieldURIOrConstant><t:FieldURI FieldURI="task:DueDate"/></t:FieldURIOrConstant></t:IsNotEqualTo>
  <t:IsGreaterThan><t:FieldURI FieldURI="task:PercentComplete"/><t:FieldURIOrConstant><t:Constant Value="10"/></t:FieldURIOrConstant></t:IsGreaterThan>
  <t:IsGreaterThanOrEqualTo><t:FieldURI FieldURI="item:DateTimeCreated"/><t:FieldURIOrConstant><t:Constant Value="2026-01-01T00:00:00Z"/></t:FieldURIOrConstant></t:IsGreaterThanOrEqualTo>
  <t:IsLessThan><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="MobilePhone"/><t:FieldURIOrConstant><t:Constant Value="5"/></t:FieldURIOrConstant></t:IsLessThan>
  <t:IsLessThanOrEqualTo><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="X" PropertyType="Integer"/><t:FieldURIOrConstant><t:Constant Value="5"/></t:FieldURIOrConstant></t:IsLessThanOrEqualTo>
  <t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="report"/></t:Contains>
  <t:Not><t:Or>
    <t:Contains><t:FieldURI FieldURI="item:Body"/><t:Constant Value="x"/></t:Contains>
    <t:IsEqualTo><t:FieldURI FieldURI="task:Status"/><t:FieldURIOrConstant><t:Constant Value="Completed"/></t:FieldURIOrConstant></t:IsEqualTo>
  </t:Or></t:Not>
</t:And>
"""

ITEM_SHAPE_FULL = """
<m:ItemShape>
  <t:BaseShape>AllProperties</t:BaseShape>
  <t:IncludeMimeContent>false</t:IncludeMimeContent>
  <t:BodyType>Text</t:BodyType>
  <t:UniqueBodyType>HTML</t:UniqueBodyType>
  <t:NormalizedBodyType>Best</t:NormalizedBodyType>
  <t:FilterHtmlContent>true</t:FilterHtmlContent>
  <t:ConvertHtmlCodePageToUTF8>true</t:ConvertHtmlCodePageToUTF8>
  <t:InlineImageUrlTemplate>x</t:InlineImageUrlTemplate>
  <t:BlockExternalImages>true</t:BlockExternalImages>
  <t:AddBlankTargetToLinks>true</t:AddBlankTargetToLinks>
  <t:MaximumBodySize>1000</t:MaximumBodySize>
  <t:AdditionalProperties>
    <t:FieldURI FieldURI="task:Status"/>
    <t:IndexedFieldURI FieldURI="item:InternetMessageHeader" FieldIndex="X-A"/>
    <t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="External ID" PropertyType="String"/>
  </t:AdditionalProperties>
</m:ItemShape>
"""

FOLDER_BASE = f"""
<t:FolderId Id="F1" ChangeKey="FCK"/>
<t:ParentFolderId Id="ROOT" ChangeKey="FCK"/>
<t:FolderClass>IPF.Task</t:FolderClass>
<t:DisplayName>Tasks</t:DisplayName>
<t:TotalCount>2</t:TotalCount>
<t:ChildFolderCount>0</t:ChildFolderCount>
<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="4340" PropertyType="Boolean"/><t:Value>false</t:Value></t:ExtendedProperty>
<t:ManagedFolderInformation><t:CanDelete>true</t:CanDelete><t:CanRenameOrMove>true</t:CanRenameOrMove>
  <t:MustDisplayComment>false</t:MustDisplayComment><t:HasQuota>false</t:HasQuota>
  <t:IsManagedFoldersRoot>false</t:IsManagedFoldersRoot><t:ManagedFolderId>m</t:ManagedFolderId><t:Comment>c</t:Comment>
  <t:StorageQuota>0</t:StorageQuota><t:FolderSize>0</t:FolderSize><t:HomePage>h</t:HomePage></t:ManagedFolderInformation>
{EFFECTIVE_RIGHTS}
<t:DistinguishedFolderId>tasks</t:DistinguishedFolderId>
<t:PolicyTag IsExplicit="false">{GUID}</t:PolicyTag>
<t:ArchiveTag IsExplicit="false">{GUID}</t:ArchiveTag>
<t:ReplicaList><t:String>r</t:String></t:ReplicaList>
"""

PERMISSION_SET = """
<t:PermissionSet>
  <t:Permissions>
    <t:Permission>
      <t:UserId><t:DistinguishedUser>Default</t:DistinguishedUser></t:UserId>
      <t:CanCreateItems>false</t:CanCreateItems><t:CanCreateSubFolders>false</t:CanCreateSubFolders>
      <t:IsFolderOwner>false</t:IsFolderOwner><t:IsFolderVisible>false</t:IsFolderVisible>
      <t:IsFolderContact>false</t:IsFolderContact><t:EditItems>None</t:EditItems><t:DeleteItems>None</t:DeleteItems>
      <t:ReadItems>None</t:ReadItems><t:PermissionLevel>None</t:PermissionLevel>
    </t:Permission>
    <t:Permission>
      <t:UserId><t:SID>S-1-5</t:SID><t:PrimarySmtpAddress>bob@example.com</t:PrimarySmtpAddress><t:DisplayName>Bob</t:DisplayName></t:UserId>
      <t:PermissionLevel>Reviewer</t:PermissionLevel>
    </t:Permission>
  </t:Permissions>
  <t:UnknownEntries><t:UnknownEntry>x</t:UnknownEntry></t:UnknownEntries>
</t:PermissionSet>
"""

ALL_FOLDER_KINDS = f"""
<t:Folder>{FOLDER_BASE}{PERMISSION_SET}<t:UnreadCount>0</t:UnreadCount></t:Folder>
<t:TasksFolder>{FOLDER_BASE}{PERMISSION_SET}<t:UnreadCount>1</t:UnreadCount></t:TasksFolder>
<t:TasksFolder><t:FolderId Id="F2"/><t:DisplayName>Sub</t:DisplayName></t:TasksFolder>
<t:CalendarFolder>{FOLDER_BASE}<t:SharingEffectiveRights>TimeOnly</t:SharingEffectiveRights>
  <t:PermissionSet><t:CalendarPermissions><t:CalendarPermission><t:UserId><t:DistinguishedUser>Anonymous</t:DistinguishedUser></t:UserId>
  <t:ReadItems>TimeOnly</t:ReadItems><t:CalendarPermissionLevel>FreeBusyTimeOnly</t:CalendarPermissionLevel>
  </t:CalendarPermission></t:CalendarPermissions></t:PermissionSet></t:CalendarFolder>
<t:ContactsFolder>{FOLDER_BASE}<t:SharingEffectiveRights>FullDetails</t:SharingEffectiveRights>{PERMISSION_SET}
  <t:SourceId>s</t:SourceId><t:AccountName>a</t:AccountName></t:ContactsFolder>
<t:SearchFolder><t:DisplayName>S</t:DisplayName><t:UnreadCount>0</t:UnreadCount>
  <t:SearchParameters Traversal="Deep"><t:Restriction>{EVERY_RESTRICTION}</t:Restriction>
  <t:BaseFolderIds><t:FolderId Id="F1"/>{MAILBOX_TASKS}</t:BaseFolderIds></t:SearchParameters></t:SearchFolder>
"""

FOLDER_SHAPE = """
<m:FolderShape>
  <t:BaseShape>IdOnly</t:BaseShape>
  <t:AdditionalProperties>
    <t:FieldURI FieldURI="folder:DistinguishedFolderId"/>
    <t:FieldURI FieldURI="folder:PermissionSet"/>
    <t:FieldURI FieldURI="folder:ManagedFolderInformation"/>
    <t:ExtendedFieldURI PropertyTag="0x10F4" PropertyType="Boolean"/>
  </t:AdditionalProperties>
</m:FolderShape>
"""

BOTH_VALID: dict[str, str] = {
    "CreateItem-full-task": envelope(
        f'<m:CreateItem MessageDisposition="SaveOnly" SendMeetingInvitations="SendToNone">'
        f"<m:SavedItemFolderId>{MAILBOX_TASKS}</m:SavedItemFolderId><m:Items>{full_task()}</m:Items></m:CreateItem>",
        '<t:RequestServerVersion Version="Exchange2016"/>' + FULL_TIMEZONE),
    # every recurrence pattern with every range
    "CreateItem-every-pattern-and-range": envelope(
        "<m:CreateItem><m:Items>"
        + "".join(f"<t:Task><t:Subject>{p} {r}</t:Subject>{recurrence(p, r)}</t:Task>"
                  for p in PATTERNS for r in RANGES)
        + "</m:Items></m:CreateItem>"),
    "CreateItem-other-item-kinds": envelope(
        f'<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:FolderId Id="F"/>'
        f"</m:SavedItemFolderId><m:Items>{MESSAGE}{CALENDAR_ITEM}{CONTACT}{OTHER_ITEMS}</m:Items></m:CreateItem>"),
    "CreateItemResponse": envelope(response("CreateItem", f"<m:Items>{full_task()}</m:Items>"), SERVER_VERSION),
    "GetItem-full-shape": envelope(
        f"<m:GetItem>{ITEM_SHAPE_FULL}"
        '<m:ItemIds><t:ItemId Id="A"/><t:ItemId Id="B" ChangeKey="C"/>'
        '<t:OccurrenceItemId RecurringMasterId="A" InstanceIndex="2"/>'
        '<t:RecurringMasterItemId OccurrenceId="B" ChangeKey="C"/></m:ItemIds></m:GetItem>',
        '<t:RequestServerVersion Version="V2017_07_11"/><t:DateTimePrecision>Milliseconds</t:DateTimePrecision>'
        "<t:MailboxCulture>en-US</t:MailboxCulture>"),
    "GetItemResponse-every-item-kind": envelope(
        response("GetItem", f"<m:Items>{full_task()}{MESSAGE}{CALENDAR_ITEM}{CONTACT}{OTHER_ITEMS}</m:Items>")
        .replace("</m:ResponseMessages>",
                 '<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>not found</m:MessageText>'
                 "<m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
                 "<m:MessageXml><t:Value Name=\"Id\">X</t:Value></m:MessageXml><m:Items/></m:GetItemResponseMessage>"
                 "</m:ResponseMessages>"),
        SERVER_VERSION),
    "UpdateItem-every-action-and-id": envelope(
        f'<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">'
        f"<m:SavedItemFolderId>{MAILBOX_TASKS}</m:SavedItemFolderId><m:ItemChanges>"
        '<t:ItemChange><t:ItemId Id="A" ChangeKey="CK"/><t:Updates>'
        f'<t:SetItemField><t:FieldURI FieldURI="task:Recurrence"/><t:Task>{recurrence("DailyRegeneration", "EndDateRecurrence")}</t:Task></t:SetItemField>'
        '<t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:Message><t:Body BodyType="Text">x</t:Body></t:Message></t:AppendToItemField>'
        '<t:DeleteItemField><t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="External ID" PropertyType="String"/></t:DeleteItemField>'
        '<t:SetItemField><t:FieldURI FieldURI="item:Sensitivity"/><t:Item><t:Sensitivity>Private</t:Sensitivity></t:Item></t:SetItemField>'
        "</t:Updates></t:ItemChange>"
        '<t:ItemChange><t:OccurrenceItemId RecurringMasterId="M" InstanceIndex="1"/><t:Updates>'
        '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="MobilePhone"/>'
        '<t:Contact><t:PhoneNumbers><t:Entry Key="MobilePhone">1</t:Entry></t:PhoneNumbers></t:Contact></t:SetItemField>'
        '<t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>l</t:Location></t:CalendarItem></t:SetItemField>'
        "</t:Updates></t:ItemChange>"
        '<t:ItemChange><t:RecurringMasterItemId OccurrenceId="O"/><t:Updates>'
        f'<t:SetItemField><t:FieldURI FieldURI="task:Status"/>{full_task()}</t:SetItemField>'
        '<t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:MeetingRequest><t:IsRead>true</t:IsRead></t:MeetingRequest></t:SetItemField>'
        '<t:SetItemField><t:FieldURI FieldURI="postitem:PostedTime"/><t:PostItem><t:PostedTime>2026-01-13T09:00:00Z</t:PostedTime></t:PostItem></t:SetItemField>'
        "</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>",
        '<t:RequestServerVersion Version="Exchange2013_SP1"/>'
        "<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>alice@example.com</t:SmtpAddress>"
        "</t:ConnectingSID></t:ExchangeImpersonation>" + FULL_TIMEZONE),
    "UpdateItemResponse-success-and-errors": envelope(
        "<m:UpdateItemResponse><m:ResponseMessages>"
        '<m:UpdateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        '<m:Items><t:Task><t:ItemId Id="A" ChangeKey="CK2"/></t:Task></m:Items>'
        "<m:ConflictResults><t:Count>1</t:Count></m:ConflictResults></m:UpdateItemResponseMessage>"
        '<m:UpdateItemResponseMessage ResponseClass="Error"><m:MessageText>bad</m:MessageText>'
        "<m:ResponseCode>ErrorInvalidPropertySet</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        '<m:MessageXml><t:FieldURI FieldURI="task:IsComplete"/></m:MessageXml><m:Items/></m:UpdateItemResponseMessage>'
        '<m:UpdateItemResponseMessage ResponseClass="Error"><m:MessageText>stopped</m:MessageText>'
        "<m:ResponseCode>ErrorBatchProcessingStopped</m:ResponseCode><m:Items/></m:UpdateItemResponseMessage>"
        "</m:ResponseMessages></m:UpdateItemResponse>", SERVER_VERSION),
    "DeleteItem": envelope(
        '<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone" '
        'AffectedTaskOccurrences="SpecifiedOccurrenceOnly" SuppressReadReceipts="false"><m:ItemIds>'
        '<t:ItemId Id="A"/><t:OccurrenceItemId RecurringMasterId="A" ChangeKey="C" InstanceIndex="1"/></m:ItemIds></m:DeleteItem>',
        '<t:RequestServerVersion Version="Exchange2010_SP2"/><t:ExchangeImpersonation>'
        "<t:ConnectingSID><t:PrincipalName>alice@example.com</t:PrincipalName></t:ConnectingSID></t:ExchangeImpersonation>"),
    "DeleteItemResponse": envelope(
        "<m:DeleteItemResponse><m:ResponseMessages>"
        '<m:DeleteItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:DeleteItemResponseMessage>'
        '<m:DeleteItemResponseMessage ResponseClass="Warning"><m:MessageText>w</m:MessageText></m:DeleteItemResponseMessage>'
        '<m:DeleteItemResponseMessage ResponseClass="Success"/>'
        "</m:ResponseMessages></m:DeleteItemResponse>", SERVER_VERSION),
    "FindItem-every-restriction": envelope(
        f'<m:FindItem Traversal="Shallow">{ITEM_SHAPE_FULL}'
        '<m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>'
        f"<m:Restriction>{EVERY_RESTRICTION}</m:Restriction>"
        '<m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="task:DueDate"/></t:FieldOrder>'
        '<t:FieldOrder Order="Ascending"><t:ExtendedFieldURI PropertyId="5" DistinguishedPropertySetId="Common" PropertyType="SystemTime"/></t:FieldOrder></m:SortOrder>'
        f'<m:ParentFolderIds><t:FolderId Id="F1" ChangeKey="C"/>{MAILBOX_TASKS}</m:ParentFolderIds>'
        '<m:QueryString ResetCache="true">subject:x</m:QueryString></m:FindItem>',
        '<t:RequestServerVersion Version="Exchange2016"/>' + FULL_TIMEZONE),
    "FindItem-fractional-groupby": envelope(
        '<m:FindItem Traversal="Associated"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>'
        '<m:FractionalPageItemView MaxEntriesReturned="10" Numerator="1" Denominator="4"/>'
        '<m:GroupBy Order="Ascending"><t:FieldURI FieldURI="item:Importance"/>'
        '<t:AggregateOn Aggregate="Maximum"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:AggregateOn>'
        "<t:UseCollapsibleGroups>true</t:UseCollapsibleGroups><t:ItemsPerGroup>3</t:ItemsPerGroup>"
        "<t:MaxItemsPerGroup>5</t:MaxItemsPerGroup><t:GroupsToExpand><t:GroupId>AAEC</t:GroupId></t:GroupsToExpand></m:GroupBy>"
        '<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="task:IsComplete"/><t:FieldURIOrConstant>'
        '<t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>'
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="tasks"/></m:ParentFolderIds></m:FindItem>'),
    "FindItem-calendar-view-distinguished-groupby": envelope(
        '<m:FindItem Traversal="SoftDeleted"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
        '<m:CalendarView StartDate="2026-01-01T00:00:00Z" EndDate="2026-02-01T00:00:00Z"/>'
        '<m:DistinguishedGroupBy Order="Descending"><t:StandardGroupBy>ConversationTopic</t:StandardGroupBy></m:DistinguishedGroupBy>'
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'),
    "FindItem-contacts-view": envelope(
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
        '<m:ContactsView InitialName="a" FinalName="z"/>'
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>'),
    "FindItemResponse": envelope(
        response("FindItem",
                 '<m:RootFolder IndexedPagingOffset="2" NumeratorOffset="2" AbsoluteDenominator="4" '
                 'IncludesLastItemInRange="true" TotalItemsInView="2"><t:Items>'
                 f"{full_task()}<t:Task><t:ItemId Id=\"B\"/><t:Subject>s</t:Subject><t:Status>NotStarted</t:Status></t:Task>"
                 "</t:Items></m:RootFolder><m:HighlightTerms><t:Term><t:Scope>s</t:Scope><t:Value>v</t:Value>"
                 "</t:Term></m:HighlightTerms>"), SERVER_VERSION),
    "FindItemResponse-groups-and-empty": envelope(
        "<m:FindItemResponse><m:ResponseMessages>"
        '<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        '<m:RootFolder TotalItemsInView="1" IncludesLastItemInRange="true"><t:Groups><t:GroupedItems>'
        '<t:GroupIndex>0</t:GroupIndex><t:Items><t:Task><t:ItemId Id="A"/></t:Task></t:Items>'
        "<t:GroupSummary><t:GroupCount>1</t:GroupCount><t:UnreadCount>0</t:UnreadCount><t:InstanceKey>AA==</t:InstanceKey>"
        "<t:GroupByValue>v</t:GroupByValue></t:GroupSummary></t:GroupedItems></t:Groups></m:RootFolder>"
        "</m:FindItemResponseMessage>"
        '<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        '<m:RootFolder TotalItemsInView="0" IncludesLastItemInRange="true"><t:Items/></m:RootFolder></m:FindItemResponseMessage>'
        '<m:FindItemResponseMessage ResponseClass="Error"><m:MessageText>x</m:MessageText>'
        "<m:ResponseCode>ErrorFolderNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        "</m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>", SERVER_VERSION),
    "GetFolder": envelope(
        f'<m:GetFolder>{FOLDER_SHAPE}<m:FolderIds>{MAILBOX_TASKS}<t:FolderId Id="F1"/>'
        '<t:DistinguishedFolderId Id="msgfolderroot" ChangeKey="C"/></m:FolderIds></m:GetFolder>',
        '<t:RequestServerVersion Version="Exchange2007_SP1"/><t:ExchangeImpersonation><t:ConnectingSID>'
        "<t:SID>S-1-5-21</t:SID></t:ConnectingSID></t:ExchangeImpersonation>"
        '<t:TimeZoneContext><t:TimeZoneDefinition Id="UTC"/></t:TimeZoneContext>'),
    "GetFolderResponse-every-folder-kind": envelope(
        response("GetFolder", f"<m:Folders>{ALL_FOLDER_KINDS}</m:Folders>")
        .replace("</m:ResponseMessages>",
                 '<m:GetFolderResponseMessage ResponseClass="Error"><m:MessageText>x</m:MessageText>'
                 "<m:ResponseCode>ErrorFolderNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
                 "</m:GetFolderResponseMessage></m:ResponseMessages>"),
        SERVER_VERSION),
    "FindFolder": envelope(
        f'<m:FindFolder Traversal="Deep">{FOLDER_SHAPE}'
        '<m:IndexedPageFolderView MaxEntriesReturned="10" Offset="0" BasePoint="End"/>'
        '<m:Restriction><t:Contains ContainmentMode="Prefixed" ContainmentComparison="Exact">'
        '<t:FieldURI FieldURI="folder:DisplayName"/><t:Constant Value="Ta"/></t:Contains></m:Restriction>'
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>'),
    "FindFolder-fractional": envelope(
        '<m:FindFolder Traversal="SoftDeleted"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape>'
        '<m:FractionalPageFolderView Numerator="0" Denominator="1"/>'
        '<m:ParentFolderIds><t:FolderId Id="F"/></m:ParentFolderIds></m:FindFolder>'),
    "FindFolderResponse": envelope(
        response("FindFolder",
                 '<m:RootFolder IndexedPagingOffset="3" TotalItemsInView="3" IncludesLastItemInRange="true">'
                 f"<t:Folders>{ALL_FOLDER_KINDS}</t:Folders></m:RootFolder>"), SERVER_VERSION),
    "ConvertId": envelope(
        '<m:ConvertId DestinationFormat="EwsId"><m:SourceIds>'
        '<t:AlternateId Format="EntryId" Id="AAA" Mailbox="alice@example.com" IsArchive="false"/>'
        '<t:AlternatePublicFolderId Format="HexEntryId" FolderId="00"/>'
        '<t:AlternatePublicFolderItemId Format="OwaId" FolderId="00" ItemId="01"/></m:SourceIds></m:ConvertId>',
        '<t:RequestServerVersion Version="Exchange2013"/><t:ExchangeImpersonation><t:ConnectingSID>'
        "<t:PrimarySmtpAddress>alice@example.com</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"),
    "ConvertIdResponse": envelope(
        "<m:ConvertIdResponse><m:ResponseMessages>"
        '<m:ConvertIdResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        '<m:AlternateId xsi:type="t:AlternateIdType" Format="EwsId" Id="AAMk" Mailbox="alice@example.com"/>'
        "</m:ConvertIdResponseMessage>"
        '<m:ConvertIdResponseMessage ResponseClass="Error"><m:MessageText>Id is malformed.</m:MessageText>'
        "<m:ResponseCode>ErrorInvalidIdMalformed</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        "</m:ConvertIdResponseMessage></m:ResponseMessages></m:ConvertIdResponse>", SERVER_VERSION),
}

#: every RequestServerVersion value Microsoft's enumeration knows
EXCHANGE_VERSIONS = [
    "Exchange2007", "Exchange2007_SP1", "Exchange2009", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2",
    "Exchange2012", "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016", "V2015_10_05",
    "V2016_01_06", "V2016_04_13", "V2016_07_13", "V2016_10_10", "V2017_01_07", "V2017_04_14", "V2017_07_11",
    "V2017_10_09", "V2018_01_08",
]


@pytest.mark.parametrize("name", sorted(BOTH_VALID))
def test_synthetic_document_is_valid_against_both(name):
    tree = parse(BOTH_VALID[name])
    assert errors_ours(tree) == []
    assert errors_ms(tree) == []


def test_every_task_child_is_covered():
    """The full task really lists every TaskType and ItemType child our schema declares."""
    task = parse(envelope(f"<m:CreateItem><m:Items>{full_task()}</m:Items></m:CreateItem>")).find(".//" + T + "Task")
    present = [etree.QName(c).localname for c in task]
    present = [n for i, n in enumerate(present) if i == 0 or present[i - 1] != n]  # ExtendedProperty x3
    types = etree.parse(str(WSDL / "types.xsd")).getroot()

    def declared(type_name: str) -> list[str]:
        ct = types.find(f"{XS}complexType[@name='{type_name}']")
        return [e.get("name") for e in ct.iter(XS + "element")]

    skipped = {"MentionsEx", "AppliedHashtags", "Likes"}
    assert present == [n for n in declared("ItemType") + declared("TaskType") if n not in skipped]
    patterns = {etree.QName(c).localname
                for r in parse(BOTH_VALID["CreateItem-every-pattern-and-range"]).iter(T + "Recurrence") for c in r}
    assert patterns == set(PATTERNS) | set(RANGES)
    assert len(PATTERNS) == 10 and len(RANGES) == 3


@pytest.mark.parametrize("version", EXCHANGE_VERSIONS)
def test_every_exchange_version_is_accepted(version):
    header = etree.fromstring(f'<t:RequestServerVersion xmlns:t="{NS_T}" Version="{version}"/>')
    validation.validate(header)


# ---- synthetic documents: invalid against both --------------------------------------------------------


def _swap(text: str, a: str, b: str) -> str:
    """Swap the first occurrences of two (non-overlapping) substrings."""
    i, j = text.index(a), text.index(b)
    assert i < j
    return text[:i] + b + text[i + len(a):j] + a + text[j + len(b):]


FULL_TASK_DOC = BOTH_VALID["CreateItem-full-task"]

BOTH_INVALID: dict[str, tuple[str, str]] = {
    # name: (document, a fragment expected in our first error)
    "task-children-out-of-order": (
        _swap(FULL_TASK_DOC, "<t:ActualWork>60</t:ActualWork>", "<t:TotalWork>120</t:TotalWork>"), "AssignedTime"),
    "item-child-after-task-child": (
        FULL_TASK_DOC.replace("<t:TotalWork>120</t:TotalWork>", "<t:TotalWork>120</t:TotalWork><t:Subject>x</t:Subject>"),
        "Subject"),
    "two-recurrence-patterns": (
        envelope("<m:CreateItem><m:Items><t:Task><t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval>"
                 "</t:DailyRecurrence><t:DailyRegeneration><t:Interval>1</t:Interval></t:DailyRegeneration>"
                 "<t:NoEndRecurrence><t:StartDate>2026-01-01</t:StartDate></t:NoEndRecurrence></t:Recurrence>"
                 "</t:Task></m:Items></m:CreateItem>"), "DailyRegeneration"),
    "regeneration-pattern-on-a-calendar-item": (
        envelope("<m:CreateItem><m:Items><t:CalendarItem><t:Recurrence><t:DailyRegeneration><t:Interval>1</t:Interval>"
                 "</t:DailyRegeneration><t:NoEndRecurrence><t:StartDate>2026-01-01</t:StartDate></t:NoEndRecurrence>"
                 "</t:Recurrence></t:CalendarItem></m:Items></m:CreateItem>"), "DailyRegeneration"),
    "range-start-with-time": (
        FULL_TASK_DOC.replace("<t:StartDate>2026-01-05</t:StartDate>", "<t:StartDate>2026-01-05T00:00:00Z</t:StartDate>"),
        "xs:date"),
    "weekly-without-days": (
        FULL_TASK_DOC.replace("<t:DaysOfWeek>Monday Wednesday Friday</t:DaysOfWeek>", ""), "FirstDayOfWeek"),
    "bad-day-name": (FULL_TASK_DOC.replace("Monday Wednesday Friday", "Monday Funday"), "Funday"),
    "percent-not-a-number": (FULL_TASK_DOC.replace("<t:PercentComplete>79.60<", "<t:PercentComplete>half<"), "half"),
    "bad-status": (FULL_TASK_DOC.replace(">WaitingOnOthers<", ">Done<"), "Done"),
    "body-without-bodytype": (FULL_TASK_DOC.replace(' BodyType="HTML" IsTruncated="false"', ""), "BodyType"),
    "reminder-minutes-out-of-range": (
        FULL_TASK_DOC.replace("<t:ReminderMinutesBeforeStart>15<", "<t:ReminderMinutesBeforeStart>-1<"), "-1"),
    "unknown-fielduri": (envelope(UPDATE_ITEM_OK.replace("task:Status", "task:Progress")), "task:Progress"),
    "abstract-path": (
        envelope(UPDATE_ITEM_OK.replace('<t:FieldURI FieldURI="task:DueDate"/>',
                                        '<t:Path xsi:type="t:PathToUnindexedFieldType" FieldURI="task:DueDate"/>')),
        "abstract"),
    "set-without-item": (
        envelope(UPDATE_ITEM_OK.replace("<t:Task><t:Status>InProgress</t:Status></t:Task>", "")), "SetItemField"),
    "set-with-two-items": (
        envelope(UPDATE_ITEM_OK.replace("<t:Task><t:Status>InProgress</t:Status></t:Task>",
                                        "<t:Task><t:Status>InProgress</t:Status></t:Task><t:Task/>")), "Task"),
    "bad-conflict-resolution": (envelope(UPDATE_ITEM_OK.replace('"AutoResolve"', '"Sometimes"')), "Sometimes"),
    "empty-updates": (
        envelope('<m:UpdateItem ConflictResolution="AutoResolve"><m:ItemChanges><t:ItemChange><t:ItemId Id="A"/>'
                 "<t:Updates/></t:ItemChange></m:ItemChanges></m:UpdateItem>"), "Updates"),
    "indexed-fielduri-without-index": (
        envelope(UPDATE_ITEM_OK.replace('<t:FieldURI FieldURI="task:DueDate"/>',
                                        '<t:IndexedFieldURI FieldURI="contacts:PhoneNumber"/>')), "FieldIndex"),
    "extended-fielduri-without-type": (
        envelope(UPDATE_ITEM_OK.replace('<t:FieldURI FieldURI="task:DueDate"/>',
                                        f'<t:ExtendedFieldURI PropertySetId="{GUID}" PropertyName="x"/>')),
        "PropertyType"),
    "bad-guid": (
        envelope(UPDATE_ITEM_OK.replace('<t:FieldURI FieldURI="task:DueDate"/>',
                                        '<t:ExtendedFieldURI PropertySetId="nope" PropertyName="x" PropertyType="String"/>')),
        "nope"),
    "abstract-search-expression": (
        envelope('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                 '<m:Restriction><t:SearchExpression/></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId '
                 'Id="tasks"/></m:ParentFolderIds></m:FindItem>'), "abstract"),
    "bad-containment-mode": (
        BOTH_VALID["FindItem-every-restriction"].replace('ContainmentMode="Substring"', 'ContainmentMode="Anywhere"'),
        "Anywhere"),
    "find-item-without-traversal": (
        BOTH_VALID["FindItem-every-restriction"].replace(' Traversal="Shallow"', ""), "Traversal"),
    "find-item-restriction-after-sort": (
        BOTH_VALID["FindItem-fractional-groupby"].replace(
            "<m:ParentFolderIds>", '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/>'
            "</t:FieldOrder></m:SortOrder><m:Restriction><t:Exists><t:FieldURI FieldURI=\"item:Subject\"/></t:Exists>"
            "</m:Restriction><m:ParentFolderIds>"), "Restriction"),
    "two-views": (
        BOTH_VALID["FindItem-contacts-view"].replace(
            "<m:ParentFolderIds>", '<m:IndexedPageItemView Offset="0" BasePoint="Beginning"/><m:ParentFolderIds>'),
        "IndexedPageItemView"),
    "unknown-distinguished-folder": (
        BOTH_VALID["FindItem-contacts-view"].replace('Id="contacts"', 'Id="everything"'), "everything"),
    "delete-item-without-delete-type": (
        BOTH_VALID["DeleteItem"].replace(' DeleteType="MoveToDeletedItems"', ""), "DeleteType"),
    "get-folder-without-ids": (
        envelope(f"<m:GetFolder>{FOLDER_SHAPE}</m:GetFolder>"), "GetFolder"),
    "folder-children-out-of-order": (
        BOTH_VALID["GetFolderResponse-every-folder-kind"].replace(
            '<t:TasksFolder><t:FolderId Id="F2"/><t:DisplayName>Sub</t:DisplayName></t:TasksFolder>',
            '<t:TasksFolder><t:DisplayName>Sub</t:DisplayName><t:FolderId Id="F2"/></t:TasksFolder>'), "FolderId"),
    "unread-count-on-a-calendar-folder": (
        BOTH_VALID["GetFolderResponse-every-folder-kind"].replace(
            "</t:CalendarFolder>", "<t:UnreadCount>0</t:UnreadCount></t:CalendarFolder>"), "UnreadCount"),
    "response-without-items": (
        envelope(response("UpdateItem", "").replace("NoError", "ErrorItemNotFound").replace('"Success"', '"Error"')),
        "UpdateItemResponseMessage"),
    "response-children-out-of-order": (
        envelope(response("GetItem", "<m:MessageText>x</m:MessageText><m:Items/>")), "MessageText"),
    "unknown-response-code": (envelope(response("DeleteItem", "").replace("NoError", "ErrorSomething")),
                              "ErrorSomething"),
    "response-without-response-class": (
        envelope(response("DeleteItem", "").replace(' ResponseClass="Success"', "")), "ResponseClass"),
    "abstract-alternate-id-in-response": (
        BOTH_VALID["ConvertIdResponse"].replace(' xsi:type="t:AlternateIdType"', ""), "abstract"),
    "convert-id-without-mailbox": (
        BOTH_VALID["ConvertId"].replace(' Mailbox="alice@example.com"', ""), "Mailbox"),
    "unknown-version": (
        envelope(UPDATE_ITEM_OK, '<t:RequestServerVersion Version="Exchange2019"/>'), "Exchange2019"),
    "impersonation-with-two-ids": (
        envelope(UPDATE_ITEM_OK, "<t:ExchangeImpersonation><t:ConnectingSID><t:SID>S-1</t:SID>"
                 "<t:SmtpAddress>a@b</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"), "SmtpAddress"),
    "timezone-context-without-definition": (
        envelope(UPDATE_ITEM_OK, "<t:TimeZoneContext/>"), "TimeZoneContext"),
    "timezone-transitions-without-periods": (
        envelope(UPDATE_ITEM_OK, '<t:TimeZoneContext><t:TimeZoneDefinition Id="X"><t:Transitions>'
                 '<t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions>'
                 "</t:TimeZoneDefinition></t:TimeZoneContext>"), "Transitions"),
    "bad-date-time-precision": (envelope(UPDATE_ITEM_OK, "<t:DateTimePrecision>Minutes</t:DateTimePrecision>"),
                                "Minutes"),
}


@pytest.mark.parametrize("name", sorted(BOTH_INVALID))
def test_synthetic_invalid_document_is_rejected_by_both(name):
    text, fragment = BOTH_INVALID[name]
    tree = parse(text)
    ours = errors_ours(tree)
    assert ours, "accepted by our schema"
    assert fragment in ours[0], ours
    assert errors_ms(tree), "accepted by Microsoft's schema"


# ---- structure: every declaration is Microsoft's, or a documented narrowing of it ---------------------

#: complex types kept by name and position with opaque content (any element of the types namespace)
OPAQUE = {
    "NonEmptyArrayOfResponseObjectsType", "EntityExtractionResultType",
    "RightsManagementLicenseDataType", "NonEmptyArrayOfPredictedActionReasonType", "MentionsPreviewType",
    "NonEmptyArrayOfMentionActionsType", "NonEmptyArrayOfAppliedHashtagType", "AppliedHashtagsPreviewType",
    "NonEmptyArrayOfLikeType", "LikesPreviewType", "ApprovalRequestDataType", "VotingInformationType",
    "ReminderMessageDataType", "MessageSafetyType", "ArrayOfInboxReminderType", "EnhancedLocationType",
    "OnlineMeetingSettingsType", "ChangeHighlightsType", "AbchEmailAddressDictionaryType", "ContactUrlDictionaryType",
    "PersonaType",
}


#: complex types deliberately wider than Microsoft's, because Exchange accepts more than its schema says and a
#: real client depends on it: their element names must still be Microsoft's (plus the client's spellings)
WIDENED = {
    # any order, unknown elements ignored: exchangelib writes UserId last, CanCreateSubfolders and, in a
    # t:Permission, CalendarPermissionLevel (exchangelib 5.6.0 properties.py, BasePermission and Permission)
    "PermissionType": {"CanCreateSubfolders", "CalendarPermissionLevel"},
    "CalendarPermissionType": {"CanCreateSubfolders"},
    # the Watermark may come in the messages namespace too (an xs:any of it beside t:Watermark): exchangelib
    # 5.6.0 writes m:Watermark in every Subscribe (services/subscribe.py) and Exchange accepts it
    "BaseSubscriptionRequestType": set(),
}


#: declarations relaxed where Exchange accepts more than its schema says: (our text, Microsoft's text) put back
#: before the comparison, so the rest of the declaration is still compared
RELAXED = {
    # decision D2: the only attribute UpdateItem relaxes
    "UpdateItemType": [('ConflictResolutionType" use="optional"', 'ConflictResolutionType" use="required"')],
    # exchangelib 5.6.0 (services/find_people.py) sends a Traversal attribute and FindItem's QueryString
    # attributes; Exchange accepts both
    "FindPeopleType": [('<xs:attribute name="Traversal" type="t:ItemQueryTraversalType" use="optional"/>', ""),
                       ('name="QueryString" type="m:QueryStringType"', 'name="QueryString" type="xs:string"')],
    # Exchange's .NET validation takes any text as a relative anyURI, libxml2's does not (exchangelib's
    # test_text_field_settings sends spaces)
    "ContactItemType": [('name="BusinessHomePage" type="xs:string"', 'name="BusinessHomePage" type="xs:anyURI"')],
}


def _element_names(el: etree._Element, decls: dict[tuple[str, str], etree._Element]) -> set[str]:
    """Every element name a complex type allows, following extension bases."""
    names = {e.get("name") for e in el.iter(f"{XS}element") if e.get("name")}
    for ext in el.iter(f"{XS}extension"):
        base = decls.get(("complexType", ext.get("base", "").split(":")[-1]))
        if base is not None:
            names |= _element_names(base, decls)
    return names


def _declarations(directory: Path) -> dict[tuple[str, str], etree._Element]:
    out = {}
    for name in ("types.xsd", "messages.xsd"):
        for el in etree.parse(str(directory / name)).getroot():
            if isinstance(el.tag, str) and el.get("name"):
                out[(etree.QName(el).localname, el.get("name"))] = el
    return out


def _norm(el: etree._Element) -> tuple:
    """A comparable form of a schema component: annotations, ids and default attribute values dropped."""
    tag = etree.QName(el).localname
    attrs = {k: v for k, v in el.attrib.items() if k != "id"}
    for key, default in (("minOccurs", "1"), ("maxOccurs", "1"), ("abstract", "false"), ("use", "optional")):
        if attrs.get(key) == default:
            del attrs[key]
    kids = []
    for c in el:
        if not isinstance(c.tag, str) or etree.QName(c).localname == "annotation":
            continue
        n = _norm(c)
        if n[0] == "sequence" and not n[1] and not n[2]:
            continue  # an empty <xs:sequence/> says nothing
        kids.append(n)
    return (tag, tuple(sorted(attrs.items())), tuple(kids))


def _is_opaque(n: tuple) -> bool:
    return (n[0] == "complexType" and len(n[2]) == 1 and n[2][0][0] == "sequence" and len(n[2][0][2]) == 1
            and n[2][0][2][0][0] == "any" and dict(n[2][0][2][0][1]).get("processContents") == "lax")


def _covers(ms: tuple, ours: tuple, path: str, problems: list[str]) -> None:
    """Record in ``problems`` where ``ours`` is not ``ms`` or a narrowing of it."""
    if ms == ours:
        return
    if ms[0] != ours[0] or ms[1] != ours[1]:
        problems.append(f"{path}: {ours[:2]} differs from Microsoft's {ms[:2]}")
        return
    if ms[0] == "choice":  # a subset of the alternatives, each equal to Microsoft's
        theirs = {dict(k[1]).get("name") or dict(k[1]).get("ref"): k for k in ms[2]}
        for k in ours[2]:
            key = dict(k[1]).get("name") or dict(k[1]).get("ref")
            if key not in theirs:
                problems.append(f"{path}: choice alternative {key} is not Microsoft's")
            else:
                _covers(theirs[key], k, f"{path}/{key}", problems)
        return
    if len(ms[2]) != len(ours[2]):
        problems.append(f"{path}: {len(ours[2])} children, Microsoft has {len(ms[2])}")
        return
    for i, (a, b) in enumerate(zip(ms[2], ours[2])):
        _covers(a, b, f"{path}/{b[0]}[{i}]", problems)


def test_structure_is_microsofts_or_a_narrowing_of_it():
    ms_schema.require()
    ours, ms = _declarations(WSDL), _declarations(ms_schema.folder())
    problems: list[str] = []
    opaque_seen = set()
    for key, el in sorted(ours.items()):
        if key not in ms:
            problems.append(f"{key}: not declared by Microsoft")
            continue
        mine = _norm(el)
        if key[0] == "complexType" and key[1] in WIDENED:
            extra = _element_names(el, ours) - _element_names(ms[key], ms)
            if extra != WIDENED[key[1]]:
                problems.append(f"{key}: widened with {sorted(extra)}, documented {sorted(WIDENED[key[1]])}")
            continue
        if key[0] == "complexType" and key[1] in RELAXED:
            text = etree.tostring(el).decode()
            for relaxed, original in RELAXED[key[1]]:
                assert relaxed in text, (key, relaxed)
                text = text.replace(relaxed, original)
            el = etree.fromstring(text)
            mine = _norm(el)
        if _is_opaque(mine):
            opaque_seen.add(key[1])
            if key[0] != "complexType" or key[1] not in OPAQUE:
                problems.append(f"{key}: undocumented opaque type")
            continue
        _covers(_norm(ms[key]), mine, f"{key[0]} {key[1]}", problems)
    assert not problems, "\n".join(problems)
    assert opaque_seen == OPAQUE


def test_enumerations_are_microsofts():
    """The data enumerations are complete (the structural test compares all of them; spot-check sizes)."""
    ms_schema.require()
    ours, ms = _declarations(WSDL), _declarations(ms_schema.folder())

    def values(decls, name):
        return [e.get("value") for e in decls[("simpleType", name)].iter(XS + "enumeration")]

    for name in ("UnindexedFieldURIType", "ResponseCodeType", "DistinguishedFolderIdNameType", "ExchangeVersionType",
                 "DictionaryURIType", "MapiPropertyTypeType", "DistinguishedPropertySetType"):
        assert values(ours, name) == values(ms, name), name
    assert values(ours, "ExchangeVersionType") == EXCHANGE_VERSIONS


# ---- the WSDL and zeep --------------------------------------------------------------------------------

CANNED_UPDATE_RESPONSE = f"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="{NS_S}">
  <s:Header>
    <h:ServerVersionInfo xmlns:h="{NS_T}" MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507"
        MinorBuildNumber="6" Version="V2017_07_11"/>
  </s:Header>
  <s:Body>
    <m:UpdateItemResponse xmlns:m="{NS_M}" xmlns:t="{NS_T}">
      <m:ResponseMessages>
        <m:UpdateItemResponseMessage ResponseClass="Success">
          <m:ResponseCode>NoError</m:ResponseCode>
          <m:Items><t:Task><t:ItemId Id="Z1" ChangeKey="CQB"/></t:Task></m:Items>
          <m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>
        </m:UpdateItemResponseMessage>
      </m:ResponseMessages>
    </m:UpdateItemResponse>
  </s:Body>
</s:Envelope>""".encode()

#: every served operation (the registry), each of which the WSDL binds
OPERATIONS = sorted(REGISTRY)


@pytest.fixture(scope="module")
def zeep_kit():
    zeep = pytest.importorskip("zeep")
    requests = pytest.importorskip("requests")
    from zeep.transports import Transport

    class OfflineTransport(Transport):
        """Loads only local files; answers every POST with a canned response and records the request."""

        def __init__(self) -> None:
            super().__init__()
            self.sent: list[bytes] = []
            self.reply = CANNED_UPDATE_RESPONSE

        def load(self, url):
            assert not str(url).startswith(("http:", "https:")), f"zeep tried to fetch {url}"
            return super().load(url)

        def post(self, address, message, headers):
            self.sent.append(message)
            resp = requests.Response()
            resp.status_code = 200
            resp._content = self.reply
            resp.headers["Content-Type"] = "text/xml; charset=utf-8"
            resp.encoding = "utf-8"
            resp.url = address
            return resp

    class PathSubstitution(zeep.Plugin):
        """zeep cannot emit substitution-group members; rename t:Path by its xsi:type (spyne-notes §8)."""

        concrete = {"PathToUnindexedFieldType": "FieldURI", "PathToIndexedFieldType": "IndexedFieldURI",
                    "PathToExtendedFieldType": "ExtendedFieldURI"}
        xsi_type = "{http://www.w3.org/2001/XMLSchema-instance}type"

        def egress(self, envelope, http_headers, operation, binding_options):
            for p in list(envelope.iter(T + "Path")):
                p.tag = T + self.concrete[p.attrib.pop(self.xsi_type).split(":")[-1]]
            return envelope, http_headers

    def client(*plugins):
        transport = OfflineTransport()
        c = zeep.Client((WSDL / "Services.wsdl").as_uri(), transport=transport, plugins=list(plugins))
        svc = c.create_service(f"{{{NS_M}}}ExchangeServiceBinding", "http://127.0.0.1:1/EWS/Exchange.asmx")
        return c, svc, transport

    return client, PathSubstitution


def _update_kwargs(c):
    path = c.get_type(T + "PathToUnindexedFieldType")
    return dict(
        ConflictResolution="AutoResolve", MessageDisposition="SaveOnly",
        ItemChanges={"ItemChange": [{"ItemId": {"Id": "Z1", "ChangeKey": "CQA"}, "Updates": {"_value_1": [
            {"SetItemField": {"Path": path(FieldURI="task:PercentComplete"), "Task": {"PercentComplete": 50}}},
            {"DeleteItemField": {"Path": path(FieldURI="task:DueDate")}},
            {"SetItemField": {"Path": path(FieldURI="task:Status"), "Task": {"Status": "InProgress"}}},
            {"AppendToItemField": {"Path": path(FieldURI="item:Body"),
                                   "Task": {"Body": {"_value_1": " more", "BodyType": "Text"}}}},
        ]}}]},
        _soapheaders=[c.get_element(T + "RequestServerVersion")(Version="Exchange2013")],
    )


def test_zeep_loads_the_wsdl(zeep_kit):
    client, _ = zeep_kit
    c, svc, _transport = client()
    assert not c.wsdl.services  # like Microsoft's: no wsdl:service, the endpoint is given explicitly
    binding = c.wsdl.bindings[f"{{{NS_M}}}ExchangeServiceBinding"]
    assert sorted(binding._operations) == sorted(OPERATIONS)
    for name in OPERATIONS:
        op = binding._operations[name]
        assert op.soapaction == f"{NS_M}/{name}"
        assert "RequestVersion" in op.input.signature()
        assert "ServerVersion" in op.output.signature()
        assert hasattr(svc, name)


def test_zeep_builds_a_valid_update_item(zeep_kit):
    client, subst = zeep_kit
    c, svc, _transport = client(subst())
    # client.create_message(svc, ...) needs a default service, which a WSDL without wsdl:service (like
    # Microsoft's) cannot give; build the message exactly as svc.UpdateItem(...) does before sending.
    envelope_el, _headers = svc._binding._create("UpdateItem", (), _update_kwargs(c), client=c,
                                                 options=svc._binding_options)
    tree = etree.ElementTree(etree.fromstring(etree.tostring(envelope_el)))
    body = tree.getroot().find(f"{{{NS_S}}}Body/{M}UpdateItem")
    kinds = [etree.QName(u).localname for u in body.iter(T + "Updates").__next__()]
    assert kinds == ["SetItemField", "DeleteItemField", "SetItemField", "AppendToItemField"]
    ms_schema.validate(tree, headers=True)  # ours always; Microsoft's when available


def test_zeep_without_the_plugin_emits_the_abstract_path(zeep_kit):
    client, _ = zeep_kit
    c, svc, _transport = client()
    envelope_el, _headers = svc._binding._create("UpdateItem", (), _update_kwargs(c), client=c,
                                                 options=svc._binding_options)
    body = etree.fromstring(etree.tostring(envelope_el)).find(f"{{{NS_S}}}Body/{M}UpdateItem")
    with pytest.raises(SchemaViolation) as info:
        validation.validate(body)
    assert "abstract" in info.value.violation


def test_zeep_round_trip(zeep_kit):
    client, subst = zeep_kit
    c, svc, transport = client(subst())
    result = svc.UpdateItem(**_update_kwargs(c))
    assert result["header"]["ServerVersion"]["MajorVersion"] == 15
    message = result["body"]["ResponseMessages"]["_value_1"][0]["UpdateItemResponseMessage"]
    assert message["ResponseClass"] == "Success" and message["ResponseCode"] == "NoError"
    sent = parse(transport.sent[0])
    assert errors_ours(sent) == []
