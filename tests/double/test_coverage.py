"""Coverage honesty (issue 9): every EWS operation listed as implemented / partial / missing from the code's own
registry, COVERAGE.md kept current, and a missing operation failing closed and showing in the ledger."""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from ewsemu import cli
from ewsemu.double import coverage
import ewsemu.operations
from ewsemu.operations import OPERATIONS, REGISTRY
from ewsemu.operations.base import Operation, WholeRequest
from ewsemu.protocol.operation_names import EWS_OPERATIONS

from ..soap import Client, ews_validate

COVERAGE_MD = Path(__file__).resolve().parents[2] / "COVERAGE.md"
#: an operation ewsemu does not serve
MISSING = "<m:GetInboxRules><m:MailboxSmtpAddress>alice@example.com</m:MailboxSmtpAddress></m:GetInboxRules>"


def test_coverage_md_is_current() -> None:
    """Regenerate with: ewsemu coverage --markdown > COVERAGE.md"""
    assert COVERAGE_MD.read_text(encoding="utf-8") == coverage.as_markdown(), \
        "COVERAGE.md is out of date: run `ewsemu coverage --markdown > COVERAGE.md`"


def test_every_operation_module_declares_itself_once_and_is_registered() -> None:
    """The registry is found from the modules' own declarations: every module of the package that declares an
    OPERATION is registered (no list to edit), and the dispatch table is the registry's handlers."""
    package = Path(ewsemu.operations.__file__).parent
    declared = {path.stem for path in package.glob("*.py") if "\nOPERATION = " in path.read_text()}
    registered = {name for name in declared
                  if getattr(importlib.import_module(f"ewsemu.operations.{name}"), "OPERATION", None)
                  in REGISTRY.values()}
    assert registered == declared and len(declared) == len(REGISTRY)
    assert set(REGISTRY) <= EWS_OPERATIONS
    assert OPERATIONS == {name: op.handle for name, op in REGISTRY.items()}
    for name, op in REGISTRY.items():
        assert op.name == name and op.status in ("implemented", "partial") and op.notes, name


def _declaration(status: str, notes: str) -> Operation:
    return WholeRequest("SyncFolderItems", status, notes, parse=lambda body, zone, strict: body,  # type: ignore
                        run=lambda ctx, request: None, render=lambda request, result: result)


def test_a_declaration_with_an_unknown_status_or_no_notes_is_refused() -> None:
    with pytest.raises(ValueError, match="SyncFolderItems: coverage status 'done'"):
        _declaration("done", "?")
    with pytest.raises(ValueError, match="SyncFolderItems: an operation says what it covers"):
        _declaration("partial", " ")


def test_the_listing_is_generated_from_the_registry(monkeypatch) -> None:
    rows = {row.operation: row for row in coverage.operations()}
    assert set(rows) == EWS_OPERATIONS
    assert {name for name, row in rows.items() if row.status != "missing"} == set(OPERATIONS)
    assert rows["FindItem"].status == "partial" and "GroupBy" in rows["FindItem"].notes
    counts = coverage.summary()
    assert counts["missing"] == len(EWS_OPERATIONS - set(OPERATIONS))
    assert counts["implemented"] + counts["partial"] == len(OPERATIONS) and counts["total"] == len(EWS_OPERATIONS)
    # a new operation in the registry shows up at once, with its own status and notes
    rules = _declaration("partial", "Inbox rules only")
    monkeypatch.setattr(coverage, "REGISTRY", {**REGISTRY, "GetInboxRules": rules})
    row = next(r for r in coverage.operations() if r.operation == "GetInboxRules")
    assert (row.status, row.notes) == ("partial", "Inbox rules only")


def test_the_cli_prints_text_json_and_markdown(capsys) -> None:
    assert cli.main(["coverage"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[-1].startswith(f"{len(EWS_OPERATIONS)} EWS operations:")
    assert any(line.split()[:2] == ["UpdateItem", "partial"] for line in text.splitlines())
    assert any(line.split() == ["GetInboxRules", "missing"] for line in text.splitlines())
    assert cli.main(["coverage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == coverage.as_json()
    assert cli.main(["coverage", "--markdown"]) == 0
    assert capsys.readouterr().out == coverage.as_markdown()


def test_a_missing_operation_fails_closed_and_is_in_the_ledger(client: Client, emulator) -> None:
    r = client.call(MISSING)
    assert r.status == 500 and r.fault_code() == "ErrorInvalidOperation"
    assert "does not implement the EWS operation 'GetInboxRules'" in r.xpath("//faultstring/text()")[0]
    ews_validate(r.body, headers=False)
    (entry,) = emulator.ledger.entries()
    assert (entry.operation, entry.status, entry.codes, entry.user) == \
        ("GetInboxRules", 500, ("ErrorInvalidOperation",), "alice@example.com")
    assert emulator.ledger.entries(operation="GetInboxRules") == [entry]
