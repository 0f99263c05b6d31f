"""Regenerate tests/captures/: what exchangelib 5.6.0 really sends to ewsemu, and what ewsemu answers.

Usage, from the repository root::

    .venv/bin/python -m tests.captures.regenerate          # rewrite tests/captures/{flow,probe,test_tasks}/
    .venv/bin/python -m tests.captures.regenerate --check  # exit 1 if the files differ from a fresh run

The script starts an in-process ewsemu (in-memory SQLite, ``--seed 7``, the clock frozen at
2026-01-13T09:00:00Z, so ids, ChangeKeys and timestamps come out the same every run), drives it with
exchangelib through ordinary client calls, and records every HTTP exchange with a requests transport adapter
(``BaseProtocol.HTTP_ADAPTER_CLS``, exchangelib's documented hook for custom adapters). Each call states the
operations it expects to cause; a different count or order is an error, so a change in exchangelib or ewsemu
cannot silently rename or shift the files.

Each file is one SOAP envelope, indented for reading, after a comment with the HTTP request line (or status)
and the headers that matter to EWS; the volatile ones (Host with its port, User-Agent with library versions,
Content-Length, Date, Connection, Accept*) are left out. What each file is: tests/captures/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import difflib
import filecmp
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import requests
from lxml import etree

from ewsemu.emulator import Emulator, Settings
from ewsemu.server.http import ThreadedServer

HERE = Path(__file__).resolve().parent
GROUPS = ("flow", "probe", "test_tasks")
USER, PASSWORD = "alice@example.com", "secret"
SEED, CLOCK = 7, "frozen:2026-01-13T09:00:00Z"
VOLATILE = {"host", "user-agent", "content-length", "accept", "accept-encoding", "connection", "date", "server"}
NS_M = "http://schemas.microsoft.com/exchange/services/2006/messages"
NS_S = "http://schemas.xmlsoap.org/soap/envelope/"


# ---- recording ---------------------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One HTTP request exchangelib sent and the response it got."""

    method: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    reason: str
    response_headers: dict[str, str]
    response_body: bytes

    @property
    def operation(self) -> str:
        """The EWS operation: the local name of the first element in soap:Body."""
        body = etree.fromstring(self.request_body).find(f"{{{NS_S}}}Body")
        return etree.QName(body[0]).localname


class RecordingAdapter(requests.adapters.HTTPAdapter):
    """Passes every request through and keeps a copy of it and its response."""

    exchanges: list[Exchange] = []  # class-wide: exchangelib makes one adapter per session

    def send(self, request, **kwargs):  # noqa: D102 - requests' adapter hook
        response = super().send(request, **kwargs)
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        # a 401 has no body; leaving it unread keeps the connection for requests_ntlm's handshake on it
        content = b"" if response.status_code == 401 else response.content
        self.exchanges.append(Exchange(request.method, request.path_url, dict(request.headers), body,
                                       response.status_code, response.reason, dict(response.headers),
                                       content))
        return response


def _header_value(key: str, value: str) -> str:
    """NTLM and Negotiate tokens carry a nonce and a timestamp: keep the scheme, not the token."""
    if key.lower() in ("authorization", "www-authenticate"):
        scheme, _, token = value.partition(" ")
        if scheme.lower() in ("ntlm", "negotiate") and token:
            return f"{scheme} <token>"
    return value


def _headers(headers: dict[str, str]) -> list[str]:
    return [f"{k}: {_header_value(k, v)}" for k, v in headers.items() if k.lower() not in VOLATILE]


def _envelope(data: bytes) -> str:
    root = etree.fromstring(data)
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")


def render_request(x: Exchange) -> str:
    head = "\n".join([f"{x.method} {x.path} HTTP/1.1", *_headers(x.request_headers)])
    return f"<!-- exchangelib 5.6.0 request\n{head}\n-->\n{_envelope(x.request_body)}\n"


def render_response(x: Exchange) -> tuple[str, str]:
    """The file suffix and text of a response: an XML file for a SOAP envelope, else the plain HTTP message."""
    head = "\n".join([f"HTTP/1.1 {x.status} {x.reason}", *_headers(x.response_headers)])
    if x.response_headers.get("Content-Type", "").startswith("text/xml"):
        return "xml", f"<!-- ewsemu response\n{head}\n-->\n{_envelope(x.response_body)}\n"
    return "txt", f"{head}\n\n{x.response_body.decode()}"


class Recorder:
    """Names the exchanges of each client call and writes them under one output folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.seen = 0

    def take(self, group: str, *expected: tuple[str, str]) -> None:
        """The exchanges since the last call must be ``expected`` (operation, file name) pairs, in order."""
        new = RecordingAdapter.exchanges[self.seen:]
        self.seen = len(RecordingAdapter.exchanges)
        got = [x.operation for x in new]
        if got != [op for op, _ in expected]:
            raise AssertionError(f"{group}: expected {[op for op, _ in expected]}, exchangelib sent {got}: "
                                 f"{[name for _, name in expected]}")
        folder = self.out / group
        folder.mkdir(parents=True, exist_ok=True)
        for x, (_, name) in zip(new, expected):
            (folder / f"{name}.request.xml").write_text(render_request(x), encoding="utf-8")
            suffix, text = render_response(x)
            (folder / f"{name}.response.{suffix}").write_text(text, encoding="utf-8")


# ---- the client runs ---------------------------------------------------------------------------------------


def _account(url: str, timezone, *, probe: bool = False):
    from exchangelib import BASIC, DELEGATE, Account, Build, Configuration, Credentials, Version

    credentials = Credentials(USER, PASSWORD)
    if probe:  # no auth_type, no version: exchangelib asks the server; credentials only in the Configuration
        return Account(USER, config=Configuration(service_endpoint=url, credentials=credentials),
                       autodiscover=False, default_timezone=timezone)
    config = Configuration(service_endpoint=url, credentials=credentials, auth_type=BASIC,
                           version=Version(build=Build(15, 1, 2507, 6)))
    return Account(USER, config=config, autodiscover=False, access_type=DELEGATE, default_timezone=timezone)


def flow(url: str, rec: Recorder) -> None:
    """A plain client session on one task, then a recurring one (timezone UTC)."""
    from exchangelib import UTC
    from exchangelib.items import Task
    from exchangelib.recurrence import DailyPattern, TaskRecurrence

    account = _account(url, UTC)
    tasks = account.tasks
    rec.take("flow", ("GetFolder", "01-GetFolder-root"), ("GetFolder", "02-GetFolder-tasks"))
    task = Task(folder=tasks, subject="Write the report", due_date=dt.date(2026, 1, 20),
                start_date=dt.date(2026, 1, 14), categories=["cat1"], body="hello").save()
    rec.take("flow", ("CreateItem", "03-CreateItem-task"))
    task.subject, task.percent_complete, task.status, task.body = "Write the report (v2)", Decimal(25), \
        "InProgress", None
    task.save(update_fields=["subject", "percent_complete", "status", "body"])
    rec.take("flow", ("UpdateItem", "04-UpdateItem-update_fields"))
    task.refresh()
    rec.take("flow", ("GetItem", "05-GetItem-refresh"))
    task.complete()
    rec.take("flow", ("UpdateItem", "06-UpdateItem-complete-fullsave"))
    daily = Task(folder=tasks, subject="Daily",
                 recurrence=TaskRecurrence(pattern=DailyPattern(interval=1), start=dt.date(2016, 1, 1), number=4))
    daily.save()
    rec.take("flow", ("CreateItem", "07-CreateItem-recurring-task"))
    daily.recurrence.boundary.start = dt.date(2016, 2, 1)
    daily.save(update_fields=["recurrence"])
    rec.take("flow", ("UpdateItem", "08-UpdateItem-recurrence-only"))
    count = tasks.filter(categories__contains=["cat1"]).count()
    rec.take("flow", ("FindItem", "09-FindItem-count-restriction"))
    assert count == 1, count
    listed = list(tasks.all().only("subject", "status"))
    rec.take("flow", ("FindItem", "10-FindItem-only-subject-status"))
    assert len(listed) == 3, listed  # the report, the master and the one-off spawned by 08
    again = tasks.get(id=task.id, changekey=task.changekey)
    rec.take("flow", ("GetItem", "11-GetItem-folder-get-by-id"))
    assert again.status == "Completed"
    again.delete()
    rec.take("flow", ("DeleteItem", "12-DeleteItem"))


def probe(url: str, rec: Recorder) -> None:
    """No auth_type, no version and no access_type: exchangelib's probes, then impersonation."""
    from exchangelib import UTC

    account = _account(url, UTC, probe=True)
    assert account.root.name  # the first request: exchangelib probes the auth type and the version first
    # ewsemu offers Negotiate, NTLM and Basic as Exchange does, so exchangelib picks NTLM: requests_ntlm sends the
    # version guess once without credentials, then its NTLM negotiate and authenticate legs on one connection
    rec.take("probe", ("ConvertId", "01-ConvertId-authtype-probe-unauthenticated"),
             ("ConvertId", "02-ConvertId-version-guess"),
             ("ConvertId", "03-ConvertId-version-guess-ntlm-negotiate"),
             ("ConvertId", "04-ConvertId-version-guess-ntlm-authenticate"),
             ("GetFolder", "05-GetFolder-root-with-ExchangeImpersonation"))


#: values in the style of exchangelib's own test suite: long strings with spaces, dots, colons and dashes
CATEGORY = "ewsemu-captures:7Kq2"
NEEDLE = "Mixed case: needle. with spaces_and-dashes 2026"
COMPANIES = ("Contoso Ltd.", "Fabrikam: Inc", "Northwind-Traders", "Tailspin_Toys 42")
PROPERTY_SET = "4b5f1d0e-8a3c-4e62-9d7a-1f2e3c4b5a69"


def _every_writable_field(folder) -> dict:
    from exchangelib.ewsdatetime import EWSDateTime, UTC
    from exchangelib.properties import HTMLBody

    day = dt.date(2026, 2, 3)
    return dict(
        folder=folder, subject="Every writable field", sensitivity="Confidential",
        body=HTMLBody("<p>All the <b>fields</b></p>"), categories=[CATEGORY, "second"], importance="High",
        in_reply_to="<reply@example.com>", reminder_due_by=EWSDateTime(2026, 2, 2, 8, 30, tzinfo=UTC),
        reminder_is_set=True, reminder_minutes_before_start=30, culture="da-DK", actual_work=90,
        billing_information="Project 7", companies=list(COMPANIES[:2]), contacts=["Bob", "Carol"],
        due_date=day, mileage="12 km", percent_complete=Decimal("40"), start_date=day, status="InProgress",
        total_work=240)


def suite_tasks(url: str, rec: Recorder) -> None:
    """The requests exchangelib's own tests/test_items/test_tasks.py sends, reproduced with fixed values and the
    suite's timezone (Europe/Copenhagen, so TimeZoneContext says Romance Standard Time)."""
    from zoneinfo import ZoneInfo

    from exchangelib import Q
    from exchangelib.ewsdatetime import EWSTimeZone
    from exchangelib.extended_properties import ExtendedProperty
    from exchangelib.items import Task
    from exchangelib.recurrence import DailyPattern, DailyRegeneration, TaskRecurrence

    account = _account(url, EWSTimeZone.from_zoneinfo(ZoneInfo("Europe/Copenhagen")))
    tasks = account.tasks
    rec.take("test_tasks", ("GetFolder", "00-GetFolder-root"), ("GetFolder", "00-GetFolder-tasks"))

    task = Task(**_every_writable_field(tasks)).save()
    rec.take("test_tasks", ("CreateItem", "CreateItem-all-writable-fields"))
    task.subject, task.companies, task.mileage, task.actual_work = "Every field, changed", list(COMPANIES), \
        "20 km", 120
    task.status, task.percent_complete, task.reminder_is_set = "Completed", Decimal(100), False
    task.save()
    rec.take("test_tasks", ("UpdateItem", "UpdateItem-fullsave-all-writable-fields"))
    for name in ("sensitivity", "body", "importance", "in_reply_to", "reminder_due_by", "culture", "actual_work",
                 "billing_information", "companies", "contacts", "due_date", "mileage", "start_date",
                 "total_work"):
        setattr(task, name, None)
    task.categories = [CATEGORY]
    task.percent_complete, task.status = Decimal("79.60"), "InProgress"
    task.save()
    rec.take("test_tasks", ("UpdateItem", "UpdateItem-wipe-DeleteItemFields"))
    fetched = tasks.get(id=task.id)
    rec.take("test_tasks", ("GetItem", "GetItem-itemid-without-changekey"))
    assert fetched.subject == "Every field, changed"

    class ExternalId(ExtendedProperty):
        property_set_id = PROPERTY_SET
        property_name = "External ID"
        property_type = "String"

    Task.register("external_id", ExternalId)
    try:
        tagged = Task(folder=tasks, subject="Tagged", categories=[CATEGORY], external_id="ext-0042").save()
        rec.take("test_tasks", ("CreateItem", "CreateItem-with-ExtendedProperty"))
        tagged.external_id = None
        tagged.save(update_fields=["external_id"])
        rec.take("test_tasks", ("UpdateItem", "UpdateItem-DeleteItemField-ExtendedFieldURI"))
        tagged.refresh()
        rec.take("test_tasks", ("GetItem", "GetItem-with-ExtendedFieldURI"))
        assert tagged.external_id is None
    finally:
        Task.deregister("external_id")

    needle = Task(folder=tasks, subject="Needle", categories=[CATEGORY], body=f"before {NEEDLE} after",
                  due_date=dt.date(2007, 3, 3), companies=[COMPANIES[2]]).save()
    rec.take("test_tasks", ("CreateItem", "CreateItem-needle"))
    assert tasks.filter(categories__contains=[CATEGORY], body__contains=NEEDLE).count() == 1
    rec.take("test_tasks", ("FindItem", "FindItem-And-Contains-restriction"))
    assert tasks.filter(categories__contains=[CATEGORY], due_date=dt.date(2007, 3, 3)).count() == 1
    rec.take("test_tasks", ("FindItem", "FindItem-IsEqualTo-DueDate"))
    assert tasks.filter(categories__contains=[CATEGORY], companies__in=list(COMPANIES)).count() == 1
    rec.take("test_tasks", ("FindItem", "FindItem-in-on-list-field"))
    assert needle.id

    for regenerating in (False, True):
        kind = "regen" if regenerating else "nonregen"
        pattern = DailyRegeneration(interval=1) if regenerating else DailyPattern(interval=1)
        created = Task(folder=tasks, subject=f"Recurring {kind}", categories=[CATEGORY],
                       recurrence=TaskRecurrence(pattern=pattern, start=dt.date(2016, 1, 1), number=4)).save()
        rec.take("test_tasks", ("CreateItem", f"recurring-{kind}-step0-create"))
        master = tasks.get(id=created.id)
        rec.take("test_tasks", ("GetItem", f"recurring-{kind}-step1-get-master"))
        master.recurrence.boundary.start = dt.date(2016, 2, 1) if not regenerating else dt.date(2016, 1, 2)
        master.save()
        rec.take("test_tasks", ("UpdateItem", f"recurring-{kind}-step1-change-recurrence-start"))
        master = tasks.get(id=created.id)
        rec.take("test_tasks", ("GetItem", f"recurring-{kind}-step2-get-master"))
        master.status = "Completed"
        master.save()
        rec.take("test_tasks", ("UpdateItem", f"recurring-{kind}-step2-complete"))

    teardown = tasks.filter(Q(categories__contains=[CATEGORY]) | Q(subject__startswith="Delivered: Subject: "))
    found = list(teardown.only("subject"))
    rec.take("test_tasks", ("FindItem", "FindItem-teardown-Or-restriction"))
    assert found


RUNS: tuple[Callable[[str, Recorder], None], ...] = (flow, probe, suite_tasks)


def record(out: Path) -> None:
    """Run every client session against a fresh ewsemu each, writing the captures under ``out``."""
    from exchangelib.protocol import BaseProtocol, close_connections

    logging.getLogger("exchangelib").setLevel(logging.WARNING)
    BaseProtocol.HTTP_ADAPTER_CLS = RecordingAdapter
    try:
        for run in RUNS:
            RecordingAdapter.exchanges.clear()
            settings = Settings(database="sqlite://", seed=SEED, clock=CLOCK)
            with ThreadedServer(emulator=Emulator(settings)) as server:
                rec = Recorder(out)
                run(server.url, rec)
                if rec.seen != len(RecordingAdapter.exchanges):
                    raise AssertionError(f"{run.__name__}: requests after the last take(): "
                                         f"{[x.operation for x in RecordingAdapter.exchanges[rec.seen:]]}")
                close_connections()
    finally:
        BaseProtocol.HTTP_ADAPTER_CLS = requests.adapters.HTTPAdapter


def differences(fresh: Path, committed: Path) -> list[str]:
    """Files that differ, or exist on one side only, between a fresh recording and the committed one."""
    out = []
    for group in GROUPS:
        a, b = fresh / group, committed / group
        names = sorted({p.name for p in a.glob("*.*")} | {p.name for p in b.glob("*.*")})
        for name in names:
            if not (a / name).is_file() or not (b / name).is_file() or not filecmp.cmp(a / name, b / name, False):
                out.append(f"{group}/{name}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.captures.regenerate", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with a fresh run instead of rewriting")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        record(fresh)
        if args.check:
            stale = differences(fresh, HERE)
            for name in stale:
                print(f"differs: tests/captures/{name}")
            if stale:  # the first difference in full, to show what changed
                old, new = (d / stale[0] for d in (HERE, fresh))
                lines = [p.read_text().splitlines(keepends=True) if p.is_file() else [] for p in (old, new)]
                sys.stdout.writelines(difflib.unified_diff(*lines, f"committed/{stale[0]}", f"fresh/{stale[0]}"))
            return 1 if stale else 0
        for group in GROUPS:
            shutil.rmtree(HERE / group, ignore_errors=True)
            shutil.copytree(fresh / group, HERE / group)
    print(f"wrote {sum(1 for g in GROUPS for _ in (HERE / g).iterdir())} files under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
