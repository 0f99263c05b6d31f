"""AQS query strings (FindItem's ``m:QueryString``) -> the core restriction tree of :mod:`.query`.

Exchange documents the subset of Advanced Query Syntax it reads ("QueryString (QueryStringType)", "Perform an
AQS search by using EWS"); this module reads that subset and compiles it to the same :class:`~.query.Restriction`
values a ``m:Restriction`` gives, so one SQL compiler (``store.query``) answers both. Pure: no XML, no SQL.

* **Words**: ``keyword:value`` or a bare value (searched in every word property of :data:`FREE_TEXT`). A word
  matches the start of a word of the property, ignoring case ("project" finds "projections"); a quoted phrase
  matches its words whole and in order; ``"…"*`` its words in order, each as a word start. Words are split as
  the content index splits them: at white space and punctuation, so ``y.z-w`` is the phrase ``y z w``.
* **Dates** (``sent:``, ``received:``): ``2026-01-31``, ``1/31/2026``, ``1/31`` (this year), ``today``,
  ``tomorrow``, ``yesterday``, ``this|last|past|next|coming week|month|year``, a weekday (this week, weeks
  starting on Sunday), a month name (this year); each is a span of days in the request's time zone, compared
  with ``>``, ``>=``, ``<``, ``<=`` or as a range ``a..b`` (both days included).
* **Others**: ``hasattachment:``, ``isread:``, ``isflagged:`` (``true``/``false``), ``importance:``
  (``low``/``normal``/``high``), ``size:`` (bytes, with the same comparisons and ranges), ``kind:`` (the
  documented item kinds, by item class).
* **Logic**: ``AND``, ``OR``, ``NOT`` (upper case only: "Or" is a word), ``+`` (AND) and ``-`` (NOT) standing
  alone, the implicit AND between terms, parentheses, and ``keyword:(…)`` applying a keyword to a whole group.

What does not parse, and a typed keyword with a value it cannot take, is ErrorInvalidArgument naming the
problem. A keyword ewsemu does not know is text, as AQS reads it (``x:y`` is the words ``x y``).

:func:`parse` takes the keyword table, so another operation (FindPeople) can read the same syntax over its own
properties: build a table of :class:`Rule` values and a free-text :class:`Text` and call :func:`to_restriction`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Union

from . import query as Q
from .errors import EwsError
from .paths import FieldURI

INVALID = "ErrorInvalidArgument"


def _invalid(problem: str) -> EwsError:
    return EwsError(INVALID, message=f"The query string is not valid: {problem}.")


# ---- the keyword table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Word matching over properties (any of them)."""

    uris: tuple[str, ...]


@dataclass(frozen=True)
class When:
    """A date-time property searched by days."""

    uri: str


@dataclass(frozen=True)
class Number:
    uri: str


@dataclass(frozen=True)
class Flag:
    """``true``/``false`` of a boolean property; ``equals`` names the value that means true when the property
    is not a boolean (item:Flag's FlagStatus)."""

    uri: str
    equals: str | None = None


@dataclass(frozen=True)
class Choice:
    """One of named values (case-insensitive) -> the property's value."""

    uri: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class Kind:
    """``kind:`` -> item classes: each kind is a list of classes, matched whole or as a prefix before a dot,
    minus the classes of more specific kinds (email is not voicemail)."""

    uri: str
    classes: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]


Rule = Union[Text, When, Number, Flag, Choice, Kind]

_TO = ("message:ToRecipients", "calendar:RequiredAttendees")
_CC = ("message:CcRecipients", "calendar:OptionalAttendees")
_BCC = ("message:BccRecipients",)
_VOICE, _FAX, _IM = "IPM.Note.Microsoft.Voicemail", "IPM.Note.Microsoft.Fax", "IPM.Note.Microsoft.Conversation"
#: the documented kinds (both lists of the two Microsoft pages)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "email": (("IPM.Note",), (_VOICE, _FAX, _IM)),
    "meetings": (("IPM.Appointment", "IPM.Schedule.Meeting"), ()),
    "tasks": (("IPM.Task", "IPM.TaskRequest"), ()),
    "notes": (("IPM.StickyNote",), ()),
    "docs": (("IPM.Document",), ()),
    "journals": (("IPM.Activity",), ()),
    "contacts": (("IPM.Contact", "IPM.DistList"), ()),
    "im": ((_IM,), ()),
    "faxes": ((_FAX,), ()),
    "voicemail": ((_VOICE,), ()),
    "posts": (("IPM.Post",), ("IPM.Post.RSS",)),
    "rssfeeds": (("IPM.Post.RSS",), ()),
}
#: the keywords of a mailbox query string (lower case; AQS keywords ignore case)
KEYWORDS: dict[str, Rule] = {
    "subject": Text(("item:Subject",)),
    "body": Text(("item:Body",)),
    "content": Text(("item:Body",)),
    "attachment": Text(("item:Attachments",)),
    "from": Text(("message:From",)),
    "to": Text(_TO),
    "cc": Text(_CC),
    "bcc": Text(_BCC),
    "participants": Text(_TO + _CC + _BCC),
    "category": Text(("item:Categories",)),
    "importance": Choice("item:Importance", {"low": "Low", "normal": "Normal", "high": "High"}),
    "kind": Kind("item:ItemClass", KINDS),
    "sent": When("item:DateTimeSent"),
    "received": When("item:DateTimeReceived"),
    "hasattachment": Flag("item:HasAttachments"),
    "isflagged": Flag("item:Flag", equals="Flagged"),
    "isread": Flag("message:IsRead"),
    "size": Number("item:Size"),
}
#: a value without a keyword: every word property
FREE_TEXT = Text(("item:Subject", "item:Body", "message:From") + _TO + _CC + _BCC
                 + ("item:Attachments", "calendar:Location"))


# ---- syntax ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One value: ``keyword`` is None for free text; ``op`` a comparison (``>=`` …) or ``..`` with ``upper``."""

    keyword: str | None
    text: str
    quoted: bool = False
    star: bool = False
    op: str | None = None
    upper: str | None = None


@dataclass(frozen=True)
class AllOf:
    terms: tuple["Node", ...]


@dataclass(frozen=True)
class AnyOf:
    terms: tuple["Node", ...]


@dataclass(frozen=True)
class NoneOf:
    term: "Node"


Node = Union[Term, AllOf, AnyOf, NoneOf]


@dataclass(frozen=True)
class _Token:
    kind: str  # word, phrase, keyword, (, ), AND, OR, NOT
    text: str = ""
    star: bool = False


_OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "+": "AND", "-": "NOT"}
_KEYWORD = re.compile(r"([A-Za-z]+):(.*)", re.S)


def _tokens(text: str, keywords: Mapping[str, Rule]) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append(_Token(ch))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise _invalid("a quotation mark is not closed")
            star = end + 1 < n and text[end + 1] == "*"
            out.append(_Token("phrase", text[i + 1:end], star))
            i = end + (2 if star else 1)
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            out.extend(_word_tokens(text[i:j], keywords))
            i = j
    return out


def _word_tokens(word: str, keywords: Mapping[str, Rule]) -> list[_Token]:
    """A run of text: an operator (``+`` and ``-`` standing alone, as in Microsoft's ``body:(project -
    proposal)``; glued to a word they are punctuation), ``keyword:`` before its value, or a word."""
    if word in _OPERATORS:
        return [_Token(_OPERATORS[word])]
    match = _KEYWORD.fullmatch(word)
    if match and match.group(1).lower() in keywords:
        rest = match.group(2)
        return [_Token("keyword", match.group(1).lower())] + (_word_tokens(rest, keywords) if rest else [])
    return [_Token("word", word)]


_RELATIVE_FIRST = {"this", "last", "past", "next", "coming"}
_RELATIVE_UNITS = {"week", "month", "year"}
_COMPARISONS = (">=", "<=", ">", "<", "=")


class _Parser:
    def __init__(self, tokens: list[_Token], keywords: Mapping[str, Rule]) -> None:
        self.tokens, self.keywords, self.at = tokens, keywords, 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def query(self) -> Node | None:
        if self.peek() is None:
            return None
        node = self.any_of(None)
        if self.peek() is not None:
            raise _invalid("a closing parenthesis has no opening one")
        return node

    def any_of(self, scope: str | None) -> Node:
        terms = [self.all_of(scope)]
        while self.peek() is not None and self.peek().kind == "OR":
            self.take()
            terms.append(self.all_of(scope))
        return terms[0] if len(terms) == 1 else AnyOf(tuple(terms))

    def all_of(self, scope: str | None) -> Node:
        terms = [self.unary(scope)]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.take()
            terms.append(self.unary(scope))
        return terms[0] if len(terms) == 1 else AllOf(tuple(terms))

    def unary(self, scope: str | None) -> Node:
        token = self.peek()
        if token is None:
            raise _invalid("an operator has nothing after it")
        if token.kind == "NOT":
            self.take()
            return NoneOf(self.unary(scope))
        if token.kind == "AND":  # "+term": the term is required, as every ANDed term is
            self.take()
            return self.unary(scope)
        return self.primary(scope)

    def primary(self, scope: str | None) -> Node:
        token = self.take()
        if token.kind == "(":
            node = self.any_of(scope)
            if self.peek() is None or self.take().kind != ")":
                raise _invalid("a parenthesis is not closed")
            return node
        if token.kind == "keyword":
            if self.peek() is None:
                raise _invalid(f"the keyword {token.text} has no value")
            return self.unary(token.text)
        if token.kind in ("word", "phrase"):
            return self.term(scope, token)
        raise _invalid(f"{token.kind} is not expected here")

    def term(self, scope: str | None, token: _Token) -> Term:
        rule = self.keywords.get(scope) if scope is not None else None
        if token.kind == "phrase":
            return Term(scope, token.text, quoted=True, star=token.star)
        text = token.text
        if isinstance(rule, When):
            text = self.multiword_date(text)
        if isinstance(rule, (When, Number)):
            op = next((o for o in _COMPARISONS if text.startswith(o)), None)
            if op is not None:
                return Term(scope, text[len(op):], op=op)
            if ".." in text:
                lower, upper = text.split("..", 1)
                return Term(scope, lower, op="..", upper=upper)
        return Term(scope, text)

    def multiword_date(self, text: str) -> str:
        """``this week`` and the like are two words of one date."""
        following = self.peek()
        if (text.lower() in _RELATIVE_FIRST and following is not None and following.kind == "word"
                and following.text.lower() in _RELATIVE_UNITS):
            self.take()
            return f"{text} {following.text}"
        return text


def parse(text: str, keywords: Mapping[str, Rule] = KEYWORDS) -> Node | None:
    """The query string's syntax tree (None for an empty query); ErrorInvalidArgument if it does not parse."""
    return _Parser(_tokens(text, keywords), keywords).query()


# ---- compilation ----------------------------------------------------------------------------------------------

#: word separators, as the store's Contains patterns see them: white space and ASCII punctuation
_SEPARATORS = re.compile(r"[\s!-/:-@\[-`{-~]+")
_MONTHS = {name: i + 1 for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"))}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_WEEKDAYS = {name: i for i, name in enumerate(
    ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"))}
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Context:
    """What relative dates are relative to: now, in the request's time zone."""

    now: dt.datetime
    zone: dt.tzinfo

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()


def words(text: str) -> list[str]:
    """The words of a value, split at white space and punctuation."""
    return [w for w in _SEPARATORS.split(text) if w]


def _text(rule: Text, term: Term) -> Q.Restriction | None:
    found = words(term.text)
    if not found:
        return None  # nothing the content index would keep: no condition
    mode = Q.WORDS if term.quoted and not term.star else Q.WORD_PREFIXES
    leaves = tuple(Q.Contains(FieldURI(uri), " ".join(found), mode, "IgnoreCase") for uri in rule.uris)
    return leaves[0] if len(leaves) == 1 else Q.Or(leaves)


def _days(text: str, ctx: Context) -> tuple[dt.date, dt.date]:
    """The span of days ``[first, after)`` a date value names."""
    value = text.strip().lower()
    today = ctx.today
    if value in ("today", "tomorrow", "yesterday"):
        day = today + dt.timedelta(days={"today": 0, "tomorrow": 1, "yesterday": -1}[value])
        return day, day + dt.timedelta(days=1)
    parts = value.split()
    if len(parts) == 2 and parts[0] in _RELATIVE_FIRST and parts[1] in _RELATIVE_UNITS:
        step = {"this": 0, "last": -1, "past": -1, "next": 1, "coming": 1}[parts[0]]
        return _relative(parts[1], step, today)
    if value in _WEEKDAYS:
        day = _week_start(today) + dt.timedelta(days=_WEEKDAYS[value])
        return day, day + dt.timedelta(days=1)
    if value in _MONTHS:
        first = dt.date(today.year, _MONTHS[value], 1)
        return first, _add_months(first, 1)
    try:
        match = _ISO_DATE.fullmatch(value)
        if match:
            day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            return day, day + dt.timedelta(days=1)
        match = _US_DATE.fullmatch(value)
        if match:
            year = int(match.group(3)) if match.group(3) else today.year
            day = dt.date(year, int(match.group(1)), int(match.group(2)))
            return day, day + dt.timedelta(days=1)
    except ValueError:
        pass
    raise _invalid(f"'{text}' is not a date")


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)  # weeks start on Sunday


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _relative(unit: str, step: int, today: dt.date) -> tuple[dt.date, dt.date]:
    if unit == "week":
        first = _week_start(today) + dt.timedelta(weeks=step)
        return first, first + dt.timedelta(weeks=1)
    if unit == "month":
        first = _add_months(dt.date(today.year, today.month, 1), step)
        return first, _add_months(first, 1)
    first = dt.date(today.year + step, 1, 1)
    return first, dt.date(first.year + 1, 1, 1)


def _instant(day: dt.date, ctx: Context) -> dt.datetime:
    """Local midnight as the store's naive UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ctx.zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


def _span(path: FieldURI, low: dt.date | int | None, high: dt.date | int | None, ctx: Context) -> Q.Restriction:
    """``low <= value < high`` (either side open when None)."""
    def bound(value: dt.date | int) -> object:
        return _instant(value, ctx) if isinstance(value, dt.date) else value
    leaves = tuple(leaf for leaf in (
        Q.Compare(Q.GE, path, bound(low)) if low is not None else None,
        Q.Compare(Q.LT, path, bound(high)) if high is not None else None) if leaf is not None)
    return leaves[0] if len(leaves) == 1 else Q.And(leaves)


def _ordered(path: FieldURI, term: Term, span: Callable[[str], tuple], ctx: Context) -> Q.Restriction:
    """A date or number with its comparison: each value is a span ``[low, high)``."""
    low, high = span(term.text)
    if term.op == "..":
        return _span(path, low, span(term.upper or "")[1], ctx)
    bounds = {None: (low, high), "=": (low, high), ">": (high, None), ">=": (low, None), "<": (None, low),
              "<=": (None, high)}[term.op]
    return _span(path, bounds[0], bounds[1], ctx)


def _number(text: str) -> tuple[int, int]:
    if not re.fullmatch(r"\d+", text.strip()):
        raise _invalid(f"'{text}' is not a number")
    value = int(text)
    return value, value + 1


def _typed(rule: Rule, term: Term, ctx: Context) -> Q.Restriction:
    if term.star or (term.op is not None and not isinstance(rule, (When, Number))):
        raise _invalid(f"'{term.text}' is not a value of {term.keyword}")
    value = term.text.strip().lower()
    if isinstance(rule, When):
        return _ordered(FieldURI(rule.uri), term, lambda text: _days(text, ctx), ctx)
    if isinstance(rule, Number):
        return _ordered(FieldURI(rule.uri), term, _number, ctx)
    if isinstance(rule, Flag):
        if value not in _BOOLEANS:
            raise _invalid(f"{term.keyword} takes true or false, not '{term.text}'")
        wanted = rule.equals if rule.equals is not None else True
        leaf = Q.Compare(Q.EQ, FieldURI(rule.uri), wanted)
        return leaf if _BOOLEANS[value] else Q.Not(leaf)
    if isinstance(rule, Choice):
        if value not in rule.values:
            raise _invalid(f"{term.keyword} takes {', '.join(rule.values)}, not '{term.text}'")
        return Q.Compare(Q.EQ, FieldURI(rule.uri), rule.values[value])
    assert isinstance(rule, Kind)
    if value not in rule.classes:
        raise _invalid(f"kind takes {', '.join(rule.classes)}, not '{term.text}'")
    include, exclude = rule.classes[value]
    path = FieldURI(rule.uri)

    def classes(names: tuple[str, ...]) -> Q.Restriction:
        return Q.Or(tuple(leaf for name in names for leaf in (
            Q.Contains(path, name, "FullString", "IgnoreCase"), Q.Contains(path, name + ".", "Prefixed", "IgnoreCase"))))
    return Q.And((classes(include), Q.Not(classes(exclude)))) if exclude else classes(include)


def _compile(node: Node, keywords: Mapping[str, Rule], free: Text, ctx: Context) -> Q.Restriction | None:
    """None stands for "no condition" (a term without words): dropped from AND, making OR true."""
    if isinstance(node, Term):
        rule = keywords[node.keyword] if node.keyword is not None else free
        if isinstance(rule, Text):
            return _text(rule, node)
        return _typed(rule, node, ctx)
    if isinstance(node, NoneOf):
        inner = _compile(node.term, keywords, free, ctx)
        return Q.Not(inner) if inner is not None else Q.Never(FieldURI("item:Subject"))
    parts = [_compile(term, keywords, free, ctx) for term in node.terms]
    if isinstance(node, AnyOf):
        if any(part is None for part in parts):
            return None
        return Q.Or(tuple(p for p in parts if p is not None))
    kept = tuple(p for p in parts if p is not None)
    return None if not kept else kept[0] if len(kept) == 1 else Q.And(kept)


def to_restriction(node: Node | None, ctx: Context, keywords: Mapping[str, Rule] = KEYWORDS,
                   free: Text = FREE_TEXT) -> Q.Restriction | None:
    """The restriction a parsed query string stands for; None when it puts no condition on the items."""
    return _compile(node, keywords, free, ctx) if node is not None else None
