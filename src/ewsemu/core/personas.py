"""Personas (FindPeople, GetPersona): a contact, a private list or a directory entry seen as a person, and
the query language FindPeople applies to them (a restriction tree on persona: properties, QueryString,
SortOrder, IndexedPageItemView), all in memory: a mailbox's people are few.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from . import query as Q
from .paths import FieldURI
from .values import Mailbox

#: Exchange's score for a person that was not ranked (its own documentation's samples)
UNRANKED = 2147483647
#: QueryString property prefixes (``DisplayName:john``) -> the persona property they search
QUERY_PROPERTIES = {"displayname": "persona:DisplayName", "givenname": "persona:GivenName",
                    "surname": "persona:Surname", "companyname": "persona:CompanyName",
                    "emailaddress": "persona:EmailAddress", "fileas": "persona:FileAs"}


@dataclass(frozen=True)
class Persona:
    id: str
    persona_type: str  # Person | DistributionList
    creation_time: dt.datetime | None = None
    display_name: str | None = None
    file_as: str | None = None
    given_name: str | None = None
    surname: str | None = None
    company_name: str | None = None
    emails: tuple[Mailbox, ...] = ()
    relevance_score: int = UNRANKED

    @property
    def email(self) -> Mailbox | None:
        return self.emails[0] if self.emails else None

    def value(self, uri: str) -> Any:
        """A persona property by FieldURI, as a restriction, a QueryString or a sort key reads it."""
        if uri == "persona:EmailAddress":
            return self.email.email if self.email is not None else None
        if uri == "persona:EmailAddresses":
            return " ".join(m.email or "" for m in self.emails) or None
        return _ATTRS.get(uri, lambda p: None)(self)


_ATTRS: dict[str, Callable[[Persona], Any]] = {
    "persona:PersonaId": lambda p: p.id, "persona:PersonaType": lambda p: p.persona_type,
    "persona:CreationTime": lambda p: p.creation_time, "persona:DisplayName": lambda p: p.display_name,
    "persona:FileAs": lambda p: p.file_as, "persona:GivenName": lambda p: p.given_name,
    "persona:Surname": lambda p: p.surname, "persona:CompanyName": lambda p: p.company_name,
    "persona:RelevanceScore": lambda p: p.relevance_score,
}
SORTABLE = frozenset(_ATTRS) | {"persona:EmailAddress"}


def _fold(text: str, ignore_case: bool, ignore_nonspacing: bool) -> str:
    if ignore_nonspacing:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return text.casefold() if ignore_case else text


def _contains(node: Q.Contains, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = _fold(value, node.ignore_case, node.ignore_nonspacing)
    wanted = _fold(node.text, node.ignore_case, node.ignore_nonspacing)
    words = text.split()
    return {"FullString": text == wanted, "Prefixed": text.startswith(wanted), "Substring": wanted in text,
            "PrefixOnWords": any(w.startswith(wanted) for w in words) or text.startswith(wanted),
            "ExactPhrase": f" {wanted} " in f" {text} "}.get(node.mode, wanted in text)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b}


def _compare(node: Q.Compare, persona: Persona) -> bool:
    left = persona.value(node.path.uri) if isinstance(node.path, FieldURI) else None
    right = persona.value(node.other.uri) if isinstance(node.other, FieldURI) else node.value
    if left is None or right is None:
        return False
    if isinstance(left, str) and isinstance(right, str):  # Exchange compares text case-insensitively
        left, right = left.casefold(), right.casefold()
    try:
        return _OPS[node.op](left, right)
    except TypeError:
        return False


def matches(restriction: Q.Restriction | None, persona: Persona) -> bool:
    r = restriction
    if r is None:
        return True
    if isinstance(r, Q.And):
        return all(matches(x, persona) for x in r.terms)
    if isinstance(r, Q.Or):
        return any(matches(x, persona) for x in r.terms)
    if isinstance(r, Q.Not):
        return not matches(r.term, persona)
    if isinstance(r, Q.Contains):
        return isinstance(r.path, FieldURI) and _contains(r, persona.value(r.path.uri))
    if isinstance(r, Q.Exists):
        return isinstance(r.path, FieldURI) and persona.value(r.path.uri) is not None
    if isinstance(r, Q.Compare):
        return _compare(r, persona)
    return False


def query_matches(query: str | None, persona: Persona) -> bool:
    """QueryString: each word must be a prefix of a word of the persona's names or addresses; a word
    ``Property:value`` searches that property only."""
    if not query or not query.strip():
        return True
    for word in query.split():
        prop, sep, value = word.partition(":")
        if sep and prop.lower() in QUERY_PROPERTIES:
            texts = [persona.value(QUERY_PROPERTIES[prop.lower()])]
        else:
            value = word
            texts = [persona.display_name, persona.given_name, persona.surname, persona.company_name,
                     persona.file_as, *(m.email for m in persona.emails)]
        wanted = value.strip('"').casefold()
        candidates = [w for text in texts if text for w in (text.casefold(), *text.casefold().split())]
        if not any(c.startswith(wanted) for c in candidates):
            return False
    return True


def sort(personas: list[Persona], keys: tuple[Q.SortKey, ...]) -> list[Persona]:
    """SortOrder (first key first; absent values first ascending), else by display name as Exchange lists
    people."""
    out = sorted(personas, key=lambda p: ((p.display_name or "").casefold(), p.id))
    for key in reversed(keys):
        uri = key.path.uri if isinstance(key.path, FieldURI) else ""

        def sort_key(p: Persona, uri: str = uri) -> tuple[int, Any]:
            v = p.value(uri)
            return (0, "") if v is None else (1, v.casefold() if isinstance(v, str) else v)
        out.sort(key=sort_key, reverse=key.descending)
    return out
