"""What a request notes in its WSGI environ while it runs, for its request-log line and its ledger entry.

The SOAP shell and the router (``ewsemu.server``) write these keys, the ledger and the fault injector read
them; they live here, at the bottom of the test double, so the double never imports the server above it.
"""
from __future__ import annotations

#: the EWS operation (the shell, or the router when a fault answers first) and the ResponseCodes
OPERATION_KEY = "ewsemu.operation"
CODES_KEY = "ewsemu.codes"
#: the acting mailbox and the ItemIds of the request and its response
MAILBOX_KEY = "ewsemu.ledger.mailbox"
ITEM_IDS_KEY = "ewsemu.ledger.item_ids"
#: the fault rules that fired for the request (their descriptions)
FAULTS_KEY = "ewsemu.ledger.faults"
#: the request body the router read
REQUEST_KEY = "ewsemu.ledger.request"
#: the :class:`ewsemu.double.ledger.TeeInput` keeping what a REST face read (it may swap ``wsgi.input``)
INPUT_KEY = "ewsemu.ledger.input"


def note(environ: dict, *, operation: str | None = None, codes: list[str] | None = None) -> None:
    if operation is not None:
        environ[OPERATION_KEY] = operation
    if codes is not None:
        environ[CODES_KEY] = codes


def auth_scheme(environ: dict) -> str:
    """The Authorization scheme alone (``Basic``, ``Bearer``, …; ``-`` if none): safe to log and to record."""
    scheme = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0]
    return scheme.capitalize() if scheme.isalpha() and len(scheme) <= 16 else ("-" if not scheme else "other")
