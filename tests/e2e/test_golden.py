"""Golden request -> response pairs (tests/golden/<scenario>/NN-step.{request,response}.xml).

Each scenario starts from ``tests/golden/mailbox.yaml`` on a fresh database and posts its requests in order.
Responses are normalised before comparison, so they do not depend on generated values:

* ItemIds the server made up become ``ITEM-1``, ``ITEM-2``, … and ChangeKeys ``CK-1``, ``CK-2``, … in order of
  first appearance within the scenario (pinned fixture Ids and ChangeKeys stay as they are). A request may use
  those labels; they are replaced by the real values before it is sent.
* Folder Ids become ``FOLDER-<key>`` and their ChangeKeys ``FOLDERCK-<key>`` (the default folder's key in
  core/folder_tree.py: its distinguished id where it has one); folders a scenario creates get ``FOLDER-1``,
  ``FOLDER-2``, … (their ChangeKeys ``CK-n``).
* The server's own timestamps (DateTimeCreated, DateTimeReceived, DateTimeSent, LastModifiedTime, an event's
  TimeStamp) become ``2000-01-01T00:00:00Z``.
* Attachment ids become ``ATTACHMENT-1``, …; the RootItemId and RootItemChangeKey beside them are labelled as
  the root item's Id and ChangeKey.
* Notification SubscriptionIds become ``SUBSCRIPTION-1``, … and Watermarks ``WATERMARK-1``, … (the same
  journal position keeps its label); a request may use those labels as element text.
* Sync states (SyncFolderItems, SyncFolderHierarchy: signed with a key made per database) become ``SYNC-1``,
  ``SYNC-2``, … by first appearance; a request's ``<m:SyncState>SYNC-n</m:SyncState>`` sends the real one.
* ExportItems' Data (signed with a key made per database) becomes the base64 of ``DATA-1``, … (``REFUQS0x``: the
  schema wants base64 there); an UploadItems request's ``<t:Data>`` with such a label sends the real one.

The first line of a response file records the HTTP status (``<!-- HTTP 200 -->``). Every golden response and
every response actually received is validated against Microsoft's schema. To (re)write the response files after
a deliberate change, run ``EWSEMU_GOLDEN_UPDATE=1 pytest tests/e2e/test_golden.py`` and review the diff.
"""
from __future__ import annotations

import base64
import difflib
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from ewsemu.double import fixtures
from ewsemu.core.ids import IdFactory
from ewsemu.emulator import Emulator
from ewsemu.core.folder_tree import TREE

from ..soap import NS, Client, ews_validate

GOLDEN = Path(__file__).parents[1] / "golden"
UPDATE = os.environ.get("EWSEMU_GOLDEN_UPDATE") == "1"
SERVER_TIMES = {f"{{{NS['t']}}}{n}" for n in ("DateTimeCreated", "DateTimeReceived", "DateTimeSent",
                                              "LastModifiedTime", "TimeStamp")}
#: notification tokens, labelled by their text
TOKENS = {**{f"{{{NS[p]}}}SubscriptionId": "SUBSCRIPTION" for p in ("m", "t")},
          **{f"{{{NS[p]}}}Watermark": "WATERMARK" for p in ("m", "t")}, f"{{{NS['t']}}}PreviousWatermark": "WATERMARK",
          f"{{{NS['m']}}}SyncState": "SYNC", f"{{{NS['m']}}}Data": "DATA"}
FIXED_TIME = "2000-01-01T00:00:00Z"
#: labels of values the schema types xs:base64Binary are base64 themselves
BASE64_LABELS = frozenset({"DATA"})
#: the elements whose Id and ChangeKey attributes are labelled (MarkAsJunk's MovedItemId is an item id too, and
#: a PersonaId names a contact by its ItemId)
ITEM_ID_TAGS = {f"{{{NS['t']}}}ItemId", f"{{{NS['m']}}}ItemId", f"{{{NS['t']}}}PersonaId", f"{{{NS['t']}}}ParentFolderId",
                f"{{{NS['m']}}}MovedItemId",
                f"{{{NS['t']}}}OldItemId", f"{{{NS['t']}}}OldParentFolderId", f"{{{NS['t']}}}OldFolderId"}
ROOT_ID_TAGS = {f"{{{NS['t']}}}AttachmentId", f"{{{NS['m']}}}RootItemId"}
_ITEM_KIND_TAGS = {f"{{{NS['t']}}}ItemId", f"{{{NS['m']}}}ItemId", f"{{{NS['t']}}}PersonaId", f"{{{NS['m']}}}MovedItemId",
                   f"{{{NS['t']}}}OldItemId"}
_STATUS = re.compile(rb"^<!-- HTTP (\d{3}) -->\n")
SCENARIOS = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


class Labels:
    """Generated value <-> readable label, both ways, for one scenario."""

    def __init__(self, pinned: set[str], folders: dict[str, str]) -> None:
        self.to_label: dict[str, str] = {v: v for v in pinned}
        for folder_id, name in folders.items():
            self.to_label[folder_id] = f"FOLDER-{name}"
            self.to_label[IdFactory.change_key(folder_id, 1)] = f"FOLDERCK-{name}"
        self._counts = {"ITEM": 0, "FOLDER": 0, "CK": 0, "SUBSCRIPTION": 0, "WATERMARK": 0, "SYNC": 0,
                        "ATTACHMENT": 0, "DATA": 0}

    def label(self, value: str, kind: str) -> str:
        if value not in self.to_label:
            self._counts[kind] += 1
            text = f"{kind}-{self._counts[kind]}"
            self.to_label[value] = base64.b64encode(text.encode()).decode() if kind in BASE64_LABELS else text
        return self.to_label[value]

    def substitute(self, request: bytes) -> bytes:
        back = {label: value for value, label in self.to_label.items() if label != value}
        if not back:
            return request
        pattern = re.compile(r'"(' + "|".join(re.escape(k) for k in back) + r')"')
        text = pattern.sub(lambda m: f'"{back[m.group(1)]}"', request.decode())
        as_text = re.compile(r'>(' + "|".join(re.escape(k) for k in back) + r')<')
        return as_text.sub(lambda m: f'>{back[m.group(1)]}<', text).encode()


def normalise(body: bytes, labels: Labels) -> etree._Element:
    root = etree.fromstring(body, etree.XMLParser(remove_blank_text=True))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ITEM_ID_TAGS or el.tag == f"{{{NS['t']}}}FolderId":
            kind = "ITEM" if el.tag in _ITEM_KIND_TAGS else "FOLDER"
            if el.get("Id") is not None:
                el.set("Id", labels.label(el.get("Id"), kind))
            if el.get("ChangeKey") is not None:
                el.set("ChangeKey", labels.label(el.get("ChangeKey"), "CK"))
        elif el.tag in ROOT_ID_TAGS:  # attachment ids, and the root item's id and new ChangeKey beside them
            if el.get("Id") is not None:
                el.set("Id", labels.label(el.get("Id"), "ATTACHMENT"))
            if el.get("RootItemId") is not None:
                el.set("RootItemId", labels.label(el.get("RootItemId"), "ITEM"))
            if el.get("RootItemChangeKey") is not None:
                el.set("RootItemChangeKey", labels.label(el.get("RootItemChangeKey"), "CK"))
        elif el.tag in SERVER_TIMES:
            el.text = FIXED_TIME
        elif el.tag in TOKENS and el.text:
            el.text = labels.label(el.text, TOKENS[el.tag])
    return root


def pretty(status: int, root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!-- HTTP {status} -->\n'.encode()
            + etree.tostring(root, encoding="utf-8") + b"\n")


def read_golden(path: Path) -> tuple[int, bytes]:
    data = path.read_bytes()
    decl, _, rest = data.partition(b"\n")
    match = _STATUS.match(rest)
    assert decl.startswith(b"<?xml") and match, f"{path}: expected the XML declaration, then <!-- HTTP nnn -->"
    return int(match.group(1)), data


def steps(scenario: str) -> list[Path]:
    return sorted((GOLDEN / scenario).glob("*.request.xml"))


@pytest.fixture
def loaded(emulator: Emulator) -> tuple[Emulator, set[str]]:
    fixtures.load_files(emulator, [GOLDEN / "mailbox.yaml"])
    data = fixtures.read(GOLDEN / "mailbox.yaml")
    pinned = {v for mb in data["mailboxes"] for task in mb["tasks"] for k, v in task.items()
              if k in ("id", "change_key")}
    return emulator, pinned


def _folders(emulator: Emulator) -> dict[str, str]:
    with emulator.store.read() as conn:
        return {emulator.store.distinguished_folder(conn, "alice@example.com", f.key).id: f.key for f in TREE}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden(scenario: str, loaded, client: Client) -> None:
    emulator, pinned = loaded
    labels = Labels(pinned, _folders(emulator))
    received, goldens, failures = [], [], []
    for request_path in steps(scenario):
        response = client.post(labels.substitute(request_path.read_bytes()))
        received.append(response.body)
        actual = pretty(response.status, normalise(response.body, labels))
        golden_path = request_path.with_name(request_path.name.replace(".request.", ".response."))
        if UPDATE:
            golden_path.write_bytes(actual)
        if not golden_path.exists():
            failures.append(f"{golden_path.name} is missing (EWSEMU_GOLDEN_UPDATE=1 writes it)")
            continue
        _, expected = read_golden(golden_path)
        goldens.append(expected)
        if actual != expected:
            diff = difflib.unified_diff(expected.decode().splitlines(), actual.decode().splitlines(),
                                        f"{golden_path.name} (golden)", "actual", lineterm="")
            failures.append("\n".join(diff))
    assert not failures, "\n\n".join(failures)
    ews_validate(*received, *goldens)


def test_every_scenario_has_requests_and_only_paired_files() -> None:
    assert len(SCENARIOS) >= 10
    for scenario in SCENARIOS:
        files = {p.name for p in (GOLDEN / scenario).iterdir()}
        requests = {f for f in files if f.endswith(".request.xml")}
        assert requests, scenario
        assert files == requests | {f.replace(".request.", ".response.") for f in requests}, scenario
