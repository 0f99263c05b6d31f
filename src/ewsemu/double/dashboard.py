"""The dashboard at ``/_ewsemu/ui``: what the emulator holds and what it was asked, for a human watching tests.

Server-rendered HTML from Python string templates: every value that came from a client or the store goes
through :func:`html.escape` (:func:`_e`), ids in URLs are percent-encoded first. No build step: one small
script (``ui/app.js``) re-fetches the ledger fragment every two seconds, and a strict Content-Security-Policy
allows nothing but this origin's own script and stylesheet.

Pages: the overview (clock, mailboxes, task lists with status and recurrence, active fault rules, the live
ledger) and one page per item (its properties and its ChangeKey history with the diff of each change).
"""
from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import quote

from .host import Host

UI = "/_ewsemu/ui"
LEDGER_ROWS = 50
REFRESH_MS = 2000
#: sent with every dashboard page: nothing but this origin's own script and stylesheet may load
HEADERS = (("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                                        "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                        "frame-ancestors 'none'"),
            ("Referrer-Policy", "no-referrer"))

SCRIPT = f"""// ewsemu dashboard: keep the request ledger live (no build step, no dependencies)
"use strict";
async function refreshLedger() {{
  const target = document.getElementById("ledger");
  if (!target) return;
  try {{
    const response = await fetch("{UI}/ledger", {{credentials: "same-origin", cache: "no-store"}});
    if (response.ok) {{
      target.innerHTML = await response.text();
      document.body.dataset.ledgerRefreshed = String(Date.now());
    }}
  }} catch (err) {{ /* the server is restarting: try again on the next tick */ }}
}}
setInterval(refreshLedger, {REFRESH_MS});
"""

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #fbfcfd; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: .6rem; background: #fff; }
th, td { border: 1px solid #d8dde6; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef1f6; font-weight: 600; }
code, .mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.muted { color: #6b7483; } .fault { background: #fff1f0; } .error { color: #b3261e; }
.Completed { color: #1e7b34; } .InProgress { color: #8a5a00; } .dropped { color: #b3261e; font-weight: 600; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; background: #eef1f6; }
nav a { margin-right: 1rem; }
del { color: #b3261e; } ins { color: #1e7b34; text-decoration: none; }
"""

FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
           'fill="#1d4ed8"/><path d="M5 4h6v1.6H6.8v1.6H10v1.6H6.8v1.6H11V12H5z" fill="#fff"/></svg>')


def _e(value: Any) -> str:
    """Escaped text for element content and (double-quoted) attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def _item_href(item_id: str) -> str:
    return _e(f"{UI}/items/{quote(item_id, safe='')}")


def _short(value: str, keep: int = 10) -> str:
    return value if len(value) <= 2 * keep + 1 else f"{value[:keep]}…{value[-keep:]}"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title>"
            f'<link rel="icon" href="{UI}/favicon.svg" type="image/svg+xml">'
            f'<link rel="stylesheet" href="{UI}/style.css"><script src="{UI}/app.js" defer></script></head>'
            f'<body><nav><a href="{UI}">Dashboard</a><a href="/_ewsemu/state">state.json</a>'
            f'<a href="/_ewsemu/ledger">ledger.json</a><a href="/_ewsemu/coverage">coverage.json</a></nav>'
            f"{body}</body></html>\n")


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, (dict, list, bool)) else (
        "—" if value is None else str(value))


def describe_recurrence(rec: dict[str, Any] | None) -> str:
    """``{"pattern": …, "range": …}`` (the store's JSON form) as one readable line."""
    if not rec:
        return ""
    pattern, rng = dict(rec.get("pattern", {})), dict(rec.get("range", {}))
    kind = str(pattern.pop("type", "?"))
    interval = pattern.pop("interval", None)
    text = kind.replace("Recurrence", "").replace("Regeneration", " regeneration")
    if interval is not None:
        text += f" every {interval}"
    days = pattern.pop("days_of_week", None)
    if days:
        text += " on " + (", ".join(days) if isinstance(days, list) else str(days))
    extras = [f"{k.replace('_', ' ')} {v}" for k, v in pattern.items() if v is not None]
    if extras:
        text += " (" + ", ".join(extras) + ")"
    end = {"NoEndRecurrence": "no end", "EndDateRecurrence": f"until {rng.get('end')}",
           "NumberedRecurrence": f"{rng.get('count')} occurrences"}.get(str(rng.get("type")), str(rng.get("type")))
    return f"{text}; from {rng.get('start')}, {end}"


class Dashboard:
    def __init__(self, emulator: Host) -> None:
        self.emulator = emulator

    # -- pages ------------------------------------------------------------------------------------------------------

    def page(self, data: dict[str, Any]) -> str:
        """The overview; ``data`` is the control plane's state (without histories)."""
        clock = self.emulator.clock.describe()
        parts = [f"<h1>ewsemu</h1><p class=\"muted\" id=\"clock\">Clock: <b>{_e(clock['mode'])}</b>, now "
                 f"<code>{_e(clock['now'])}</code></p>",
                 self._mailboxes(data), self._tasks(data), self._faults(),
                 f'<h2>Request ledger <span class="muted">(latest {LEDGER_ROWS}, live)</span></h2>'
                 f'<div id="ledger">{self._ledger_table()}</div>']
        return _page("ewsemu dashboard", "".join(parts))

    def ledger_fragment(self) -> str:
        return self._ledger_table()

    def item_page(self, item: dict[str, Any]) -> str:
        """One item (the control plane's ``state/items/{id}`` form) with its ChangeKey history."""
        props = "".join(f"<tr><th>{_e(uri)}</th><td>{_e(_json_text(value))}</td></tr>"
                        for uri, value in item["properties"].items())
        props += "".join(f"<tr><th>{_e(_json_text(ext['path']))}</th><td>{_e(_json_text(ext['value']))}</td></tr>"
                         for ext in item["extended"])
        rows = []
        for version in reversed(item["history"]):
            changes = version["changes"]
            diff = "".join(f"<li><code>{_e(key)}</code>: <del>{_e(_json_text(old))}</del> → "
                           f"<ins>{_e(_json_text(new))}</ins></li>" for key, (old, new) in changes.items())
            what = f"<ul>{diff}</ul>" if diff else '<span class="muted">created</span>'
            rows.append(f"<tr><td>{_e(version['version'])}</td><td class=\"mono\">{_e(version['change_key'])}</td>"
                        f"<td>{_e(version['at'])}</td><td>{what}</td></tr>")
        subject = item["properties"].get("item:Subject") or item["id"]
        body = (f"<h1>{_e(subject)}</h1><p class=\"muted\">{_e(item['item_type'])} in {_e(item['mailbox'])} / "
                f"{_e(item['folder'])} · version {_e(item['version'])}</p>"
                f"<p>ItemId <code id=\"item-id\">{_e(item['id'])}</code><br>ChangeKey "
                f"<code id=\"change-key\">{_e(item['change_key'])}</code></p>"
                f"<h2>ChangeKey history</h2><table id=\"history\"><tr><th>Version</th><th>ChangeKey</th>"
                f"<th>At</th><th>Changes</th></tr>{''.join(rows)}</table>"
                f"<h2>Properties</h2><table id=\"properties\">{props}</table>")
        return _page(f"{subject} — ewsemu", body)

    # -- sections ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _mailboxes(data: dict[str, Any]) -> str:
        rows = "".join(
            f"<tr><td>{_e(m['smtp'])}</td><td>{_e(m['display_name'])}</td><td>{len(m['items'])}</td>"
            f"<td>{_e(m['created'])}</td></tr>" for m in data["mailboxes"])
        empty = '<tr><td colspan="4" class="muted">No mailbox yet: one is created on its first request.</td></tr>'
        return (f"<h2>Mailboxes</h2><table id=\"mailboxes\"><tr><th>SMTP</th><th>Display name</th><th>Items</th>"
                f"<th>Created</th></tr>{rows or empty}</table>")

    @staticmethod
    def _tasks(data: dict[str, Any]) -> str:
        out = ["<h2>Task lists</h2>"]
        for mailbox in data["mailboxes"]:
            tasks = [i for i in mailbox["items"] if i["item_type"] == "Task"]
            if not tasks:
                continue
            rows = []
            for task in sorted(tasks, key=lambda t: (t["folder"] or "", str(t["properties"].get("task:DueDate")),
                                                     str(t["properties"].get("item:Subject")))):
                p = task["properties"]
                status = str(p.get("task:Status", ""))
                rows.append(
                    f'<tr data-item-id="{_e(task["id"])}"><td><a href="{_item_href(task["id"])}">'
                    f'{_e(p.get("item:Subject") or "(no subject)")}</a></td><td>{_e(task["folder"])}</td>'
                    f'<td class="{_e(status)}">{_e(status)}</td><td>{_e(p.get("task:PercentComplete"))}</td>'
                    f'<td>{_e(p.get("task:DueDate"))}</td><td>{_e(describe_recurrence(p.get("task:Recurrence")))}</td>'
                    f'<td>{_e(task["version"])}</td><td class="mono">{_e(task["change_key"])}</td></tr>')
            out.append(f"<h3>{_e(mailbox['smtp'])}</h3><table class=\"tasks\"><tr><th>Subject</th><th>Folder</th>"
                       f"<th>Status</th><th>%</th><th>Due</th><th>Recurrence</th><th>Version</th>"
                       f"<th>ChangeKey</th></tr>{''.join(rows)}</table>")
        if len(out) == 1:
            out.append('<p class="muted">No tasks.</p>')
        return "".join(out)

    def _faults(self) -> str:
        active = [f.describe() for f in self.emulator.faults.list() if f.active]
        rows = []
        for fault in active:
            match = ", ".join(f"{k}={fault[k]}" for k in ("face", "operation", "mailbox", "item_id") if k in fault)
            params = ", ".join(f"{k}={_json_text(fault[k])}" for k in
                               ("back_off_ms", "code", "message", "status", "delay_ms", "set") if k in fault)
            remaining = "every time" if fault["remaining"] is None else fault["remaining"]
            rows.append(f"<tr><td>{_e(fault['id'])}</td><td>{_e(fault['kind'])}</td><td>{_e(match or 'any')}</td>"
                        f"<td>{_e(params)}</td><td>{_e(remaining)}</td><td>{_e(fault['probability'])}</td>"
                        f"<td>{_e(fault['fired'])}</td></tr>")
        empty = '<tr><td colspan="7" class="muted">No active fault rules.</td></tr>'
        return (f"<h2>Active faults</h2><table id=\"faults\"><tr><th>Id</th><th>Kind</th><th>Match</th>"
                f"<th>Parameters</th><th>Remaining</th><th>Probability</th><th>Fired</th></tr>"
                f"{''.join(rows) or empty}</table>")

    def _ledger_table(self) -> str:
        entries = self.emulator.ledger.entries()[-LEDGER_ROWS:]
        rows = []
        for entry in reversed(entries):
            ids = " ".join(f'<a class="mono" href="{_item_href(i)}">{_e(_short(i, 6))}</a>' for i in entry.item_ids)
            fired = ", ".join(str(f.get("kind")) for f in entry.faults)
            status = '<span class="dropped">dropped</span>' if entry.dropped else _e(entry.status)
            codes = ", ".join(entry.codes)
            error = any(c != "NoError" for c in entry.codes)
            rows.append(
                f'<tr class="{"fault" if fired else ""}" data-seq="{_e(entry.seq)}"><td>{_e(entry.seq)}</td>'
                f"<td>{_e(entry.time.strftime('%H:%M:%S'))}</td><td>{_e(entry.face)}</td><td>{_e(entry.user)}</td>"
                f"<td>{_e(entry.operation)}</td><td>{ids}</td><td>{status}</td>"
                f'<td class="{"error" if error else ""}">{_e(codes)}</td>'
                f"<td>{_e(entry.duration_ms)}</td><td>{_e(fired)}</td></tr>")
        empty = '<tr><td colspan="10" class="muted">No requests yet.</td></tr>'
        return (f'<table id="ledger-table"><tr><th>#</th><th>Time</th><th>Face</th><th>User</th><th>Operation</th>'
                f"<th>Items</th><th>Status</th><th>Codes</th><th>ms</th><th>Faults</th></tr>"
                f"{''.join(rows) or empty}</table>")
