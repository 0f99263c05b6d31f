"""Who may act as which mailbox: ``t:ExchangeImpersonation`` and delegate access (``t:Mailbox``).

Without a users file (the open default) anyone may act as any mailbox named by an SMTP address: the
credentials are not checked either, so refusing would protect nothing. With a users file a user acts as
itself, and as another mailbox only if its ``impersonate`` list names it (or is ``"*"``):

* impersonation is checked first for the right, then for the target, so a caller without the right learns
  nothing about which mailboxes exist (ErrorImpersonationDenied either way); both are SOAP faults, as in
  Exchange, because the whole request runs as the impersonated user;
* delegate access to a folder of another mailbox answers that folder's response message with
  ErrorNonExistentMailbox (not in the directory) or ErrorAccessDenied (no right).

Only mailboxes in the directory exist: a shared mailbox is a user without password or tokens.
"""
from __future__ import annotations

from ..core.errors import EwsError
from ..core.users import User, UserDirectory
from ..protocol.headers import Impersonation

_SMTP_FORMS = ("PrimarySmtpAddress", "SmtpAddress")


def _no_mailbox(value: str) -> EwsError:
    return EwsError("ErrorNonExistentMailbox", message=f"No mailbox with the address '{value}' exists.")


def _target(users: UserDirectory, form: str, value: str) -> User | None:
    if form == "SID":
        return users.by_sid(value)
    if form == "PrincipalName":
        return users.by_principal_name(value)
    return users.get(value)


def impersonated_mailbox(users: UserDirectory | None, caller: str, header: Impersonation) -> str:
    """The mailbox an ``ExchangeImpersonation`` header names, if ``caller`` may act as it; else a fault."""
    if header.form is None:
        raise EwsError("ErrorInvalidExchangeImpersonationHeaderData",
                       message="The ExchangeImpersonation header names no account.")
    form, value = header.form, header.value
    if users is None:
        if form == "SID" or "@" not in value:
            raise _no_mailbox(value)  # open mode has no directory to resolve SIDs or bare names in
        return value.lower()
    acting = users.get(caller)
    target = _target(users, form, value)
    if target is not None and target.smtp == caller:
        return caller
    if acting is None or not acting.impersonate:
        raise EwsError("ErrorImpersonationDenied")
    if target is None:
        named_right = form in _SMTP_FORMS and value.lower() in acting.impersonate
        if acting.may_impersonate_anyone or named_right:
            raise _no_mailbox(value)
        raise EwsError("ErrorImpersonationDenied")
    if not acting.may_act_as(target.smtp):
        raise EwsError("ErrorImpersonationDenied")
    return target.smtp


def check_delegate(users: UserDirectory | None, acting: str, smtp: str) -> str:
    """The mailbox a ``t:Mailbox/t:EmailAddress`` names (lower-case), if ``acting`` may open it."""
    smtp = smtp.strip().lower()
    if smtp == acting:
        return smtp
    if "@" not in smtp:
        raise _no_mailbox(smtp)
    if users is None:
        return smtp
    if users.get(smtp) is None:
        raise _no_mailbox(smtp)
    user = users.get(acting)
    if user is None or not user.may_act_as(smtp):
        raise EwsError("ErrorAccessDenied")
    return smtp
