"""A small Python client for the control plane (``/_ewsemu/``), standard library only.

::

    from ewsemu.control import ControlClient

    control = ControlClient("http://127.0.0.1:8000")            # or the EWS URL; auth=("alice@…", "pw") / "token"
    control.reset()
    control.seed({"mailboxes": [{"smtp": "alice@example.com", "tasks": [{"subject": "Water the plants"}]}]})
    control.clock_freeze("2026-01-13T09:00:00Z")
    control.add_fault("server_busy", operation="UpdateItem", back_off_ms=200)
    ...
    control.ledger(operation="UpdateItem")                       # what the code under test sent

The pytest plugin's ``ewsemu_control`` fixture is one of these, bound to the session's server.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode

PREFIX = "/_ewsemu/"


class ControlError(Exception):
    """The control plane refused a call; ``status`` and ``code`` say why (``message`` is its explanation)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class ControlClient:
    def __init__(self, base_url: str, auth: tuple[str, str] | str | None = None, timeout: float = 30) -> None:
        """``base_url`` is the server's root (``http://127.0.0.1:8000``); an EWS endpoint URL works too.
        ``auth`` is ``(user, password)`` for Basic or a bearer token, needed when the server has a users file."""
        root = base_url.rstrip("/")
        if root.lower().endswith("/ews/exchange.asmx"):
            root = root[: -len("/ews/exchange.asmx")]
        self.base_url = root
        self.timeout = timeout
        if isinstance(auth, tuple):
            self._authorization: str | None = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        elif isinstance(auth, str):
            self._authorization = f"Bearer {auth}"
        else:
            self._authorization = None

    # -- plumbing ------------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        """One call; returns the decoded JSON (or the text of an HTML page). Raises :class:`ControlError`."""
        params = {k: v for k, v in query.items() if v is not None}
        url = f"{self.base_url}{PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        request = urllib.request.Request(url, data=data, method=method)
        if method == "POST":
            request.add_header("Content-Type", "application/json")
        if self._authorization:
            request.add_header("Authorization", self._authorization)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw, kind = response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                error = json.loads(raw)["error"]
                raise ControlError(err.code, error["code"], error["message"]) from None
            except (ValueError, KeyError, TypeError):
                raise ControlError(err.code, "HTTPError", raw.decode("utf-8", "replace")) from None
        return json.loads(raw) if kind.startswith("application/json") else raw.decode("utf-8")

    # -- state -----------------------------------------------------------------------------------------------------

    def reset(self) -> dict[str, Any]:
        """Empty store, ledger and fault rules; ids restarted; the clock back to ``--clock``."""
        return self.request("POST", "reset")

    def seed(self, data: dict[str, Any] | None = None, *, path: str | None = None) -> int:
        """Load fixtures (a fixtures mapping, or a file the server can read); returns the items created."""
        if (data is None) == (path is None):
            raise ValueError("give the fixtures data or a path, not both")
        return self.request("POST", "seed", data if data is not None else {"path": str(path)})["loaded"]

    def state(self, mailbox: str | None = None) -> dict[str, Any]:
        return self.request("GET", "state", mailbox=mailbox)

    def item(self, item_id: str) -> dict[str, Any]:
        """One item: properties by FieldURI, ChangeKey, version and ``history`` (every ChangeKey and its diff)."""
        return self.request("GET", f"state/items/{quote(item_id, safe='')}")

    # -- ledger ----------------------------------------------------------------------------------------------------

    def ledger(self, operation: str | None = None, mailbox: str | None = None, since: int | str | None = None,
               face: str | None = None, bodies: bool = False) -> list[dict[str, Any]]:
        return self.request("GET", "ledger", operation=operation, mailbox=mailbox, since=since, face=face,
                            bodies=1 if bodies else None)["entries"]

    def clear_ledger(self) -> None:
        self.request("DELETE", "ledger")

    def export_fixtures(self, **filters: Any) -> dict[str, Any]:
        """The current state of the items the (filtered) calls touched, as a fixtures mapping."""
        return self.request("GET", "ledger/fixtures", **filters)

    def export_session(self, **filters: Any) -> dict[str, Any]:
        """The (filtered) calls with requests and responses: save it as JSON for ``ewsemu replay``."""
        return self.request("GET", "ledger/session", **filters)

    # -- faults ----------------------------------------------------------------------------------------------------

    def add_fault(self, kind: str, **spec: Any) -> dict[str, Any]:
        """Add a fault rule (see :mod:`ewsemu.faults` for kinds and keys); returns it with its ``id``."""
        return self.request("POST", "faults", {"kind": kind, **spec})["faults"][0]

    def faults(self) -> list[dict[str, Any]]:
        return self.request("GET", "faults")["faults"]

    def remove_fault(self, fault_id: str) -> None:
        self.request("DELETE", f"faults/{quote(fault_id, safe='')}")

    def clear_faults(self) -> None:
        self.request("DELETE", "faults")

    def bump_change_key(self, item_id: str, set: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: A002
        """Someone else edits the item now: a new version (LastModifiedTime, or the ``set`` properties), so
        the ChangeKey a client holds goes stale. Returns the previous and the new ChangeKey."""
        spec: dict[str, Any] = {"kind": "bump_change_key", "item_id": item_id, "now": True}
        if set:
            spec["set"] = set
        return self.request("POST", "faults", spec)["bumped"][0]

    # -- clock -----------------------------------------------------------------------------------------------------

    def clock(self) -> dict[str, str]:
        return self.request("GET", "clock")

    def clock_freeze(self, at: str | None = None) -> dict[str, str]:
        """Stop the clock at ``at`` (ISO 8601), or where it is now."""
        return self.request("POST", "clock", {"freeze": at})

    def clock_set(self, at: str) -> dict[str, str]:
        """Jump to ``at`` and keep running."""
        return self.request("POST", "clock", {"set": at})

    def clock_offset(self, delta: str) -> dict[str, str]:
        """Real time shifted by ``delta`` (``+3d``, ``-2h``, ``90m``)."""
        return self.request("POST", "clock", {"offset": delta})

    def clock_advance(self, delta: str) -> dict[str, str]:
        """Move the clock (frozen or running) forward by ``delta``."""
        return self.request("POST", "clock", {"advance": delta})

    def clock_real(self) -> dict[str, str]:
        return self.request("POST", "clock", {"real": True})

    # -- subscriptions ---------------------------------------------------------------------------------------------

    def subscriptions(self, mailbox: str | None = None) -> dict[str, Any]:
        """The notification subscriptions with their journal positions (``journal_head``, ``subscriptions``)."""
        return self.request("GET", "subscriptions" + (f"?mailbox={quote(mailbox)}" if mailbox else ""))

    # -- coverage --------------------------------------------------------------------------------------------------

    def coverage(self) -> dict[str, Any]:
        return self.request("GET", "coverage")
