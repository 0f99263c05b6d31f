"""The AQS reader (core/aqs.py): syntax trees and the restrictions they compile to, without a server."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ewsemu.core import aqs
from ewsemu.core import query as Q
from ewsemu.core.errors import EwsError
from ewsemu.core.paths import FieldURI

NOW = dt.datetime(2026, 1, 13, 9, 0, tzinfo=dt.timezone.utc)  # a Tuesday
UTC_CTX = aqs.Context(NOW, dt.timezone.utc)
SUBJECT = FieldURI("item:Subject")
RECEIVED = FieldURI("item:DateTimeReceived")


def compiled(text: str, ctx: aqs.Context = UTC_CTX) -> Q.Restriction | None:
    return aqs.to_restriction(aqs.parse(text), ctx)


def words(uri: str, text: str, mode: str = Q.WORD_PREFIXES) -> Q.Contains:
    return Q.Contains(FieldURI(uri), text, mode, "IgnoreCase")


def test_keyword_terms_and_implicit_and() -> None:
    assert aqs.parse("subject:project plan") == aqs.AllOf((aqs.Term("subject", "project"), aqs.Term(None, "plan")))
    assert aqs.parse("Subject:(a OR b)") == aqs.AnyOf((aqs.Term("subject", "a"), aqs.Term("subject", "b")))
    assert aqs.parse('to:"Sadie Daniels"') == aqs.Term("to", "Sadie Daniels", quoted=True)
    assert aqs.parse('"win product"*') == aqs.Term(None, "win product", quoted=True, star=True)


def test_operators_are_upper_case_and_lone_plus_minus_are_and_not() -> None:
    assert aqs.parse("a Or b") == aqs.AllOf((aqs.Term(None, "a"), aqs.Term(None, "Or"), aqs.Term(None, "b")))
    assert aqs.parse("a - b") == aqs.AllOf((aqs.Term(None, "a"), aqs.NoneOf(aqs.Term(None, "b"))))
    assert aqs.parse("+ a - b") == aqs.AllOf((aqs.Term(None, "a"), aqs.NoneOf(aqs.Term(None, "b"))))
    assert aqs.parse("-a") == aqs.Term(None, "-a")  # glued to a word, a hyphen is punctuation
    assert compiled("subject:-a") == words("item:Subject", "a")
    assert aqs.parse("a OR b c") == aqs.AnyOf((aqs.Term(None, "a"), aqs.AllOf((aqs.Term(None, "b"),
                                                                                aqs.Term(None, "c")))))
    assert aqs.parse("received:NOT today") == aqs.NoneOf(aqs.Term("received", "today"))


def test_unknown_keywords_are_text_and_words_split_at_punctuation() -> None:
    assert aqs.parse("x:y.z-w") == aqs.Term(None, "x:y.z-w")
    assert compiled("subject:x:y.z-w_") == words("item:Subject", "x y z w")
    assert compiled('subject:"a-b"') == words("item:Subject", "a b", Q.WORDS)
    assert compiled("subject:.:") is None  # no words: no condition
    assert compiled("subject:.: b") == Q.Or(tuple(words(uri, "b") for uri in aqs.FREE_TEXT.uris))
    assert compiled("") is None


def test_free_text_searches_every_word_property() -> None:
    assert compiled("dean") == Q.Or(tuple(words(uri, "dean") for uri in aqs.FREE_TEXT.uris))
    assert "message:ToRecipients" in aqs.FREE_TEXT.uris and "item:Body" in aqs.FREE_TEXT.uris


def test_typed_keywords() -> None:
    assert compiled("isread:FALSE") == Q.Not(Q.Compare(Q.EQ, FieldURI("message:IsRead"), True))
    assert compiled("isflagged:true") == Q.Compare(Q.EQ, FieldURI("item:Flag"), "Flagged")
    assert compiled("importance:high") == Q.Compare(Q.EQ, FieldURI("item:Importance"), "High")
    assert compiled("size:>5000") == Q.Compare(Q.GE, FieldURI("item:Size"), 5001)
    assert compiled("size:7000..8000") == Q.And((Q.Compare(Q.GE, FieldURI("item:Size"), 7000),
                                                 Q.Compare(Q.LT, FieldURI("item:Size"), 8001)))
    kind = compiled("kind:email")
    assert isinstance(kind, Q.And) and isinstance(kind.terms[1], Q.Not)  # email, minus voicemail, faxes and IM


def day(y: int, m: int, d: int, zone: dt.tzinfo = dt.timezone.utc) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


def span(low: dt.datetime, high: dt.datetime) -> Q.And:
    return Q.And((Q.Compare(Q.GE, RECEIVED, low), Q.Compare(Q.LT, RECEIVED, high)))


@pytest.mark.parametrize("value, expected", [
    ("today", span(day(2026, 1, 13), day(2026, 1, 14))),
    ("yesterday", span(day(2026, 1, 12), day(2026, 1, 13))),
    ("tomorrow", span(day(2026, 1, 14), day(2026, 1, 15))),
    ("this week", span(day(2026, 1, 11), day(2026, 1, 18))),
    ("last week", span(day(2026, 1, 4), day(2026, 1, 11))),
    ("next month", span(day(2026, 2, 1), day(2026, 3, 1))),
    ("past month", span(day(2025, 12, 1), day(2026, 1, 1))),
    ("coming year", span(day(2027, 1, 1), day(2028, 1, 1))),
    ("Sunday", span(day(2026, 1, 11), day(2026, 1, 12))),
    ("december", span(day(2026, 12, 1), day(2027, 1, 1))),
    ("12/11/2013", span(day(2013, 12, 11), day(2013, 12, 12))),
    ("12/11", span(day(2026, 12, 11), day(2026, 12, 12))),
    ("2026-02-01", span(day(2026, 2, 1), day(2026, 2, 2))),
    ("1/1/2001..1/15/2001", span(day(2001, 1, 1), day(2001, 1, 16))),
    (">11/30/2013", Q.Compare(Q.GE, RECEIVED, day(2013, 12, 1))),
    (">=yesterday", Q.Compare(Q.GE, RECEIVED, day(2026, 1, 12))),
    ("<today", Q.Compare(Q.LT, RECEIVED, day(2026, 1, 13))),
    ("<=today", Q.Compare(Q.LT, RECEIVED, day(2026, 1, 14))),
    ('"this week"', span(day(2026, 1, 11), day(2026, 1, 18))),
])
def test_dates(value: str, expected: Q.Restriction) -> None:
    assert compiled(f"received:{value}") == expected


def test_dates_are_days_of_the_time_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert compiled("received:today", aqs.Context(NOW, tokyo)) == span(day(2026, 1, 13, tokyo), day(2026, 1, 14, tokyo))
    late = aqs.Context(dt.datetime(2026, 1, 13, 20, 0, tzinfo=dt.timezone.utc), tokyo)  # already the 14th there
    assert compiled("received:today", late) == span(day(2026, 1, 14, tokyo), day(2026, 1, 15, tokyo))


@pytest.mark.parametrize("text", [
    '"open', "(a", "a)", "a AND", "NOT", "a OR", "subject:", "()", "received:someday", "received:2/30/2026",
    "received:1/1..", "isread:yes", "importance:urgent", "kind:spaceships", "size:big", "size:>x", "isread:>true",
    "subject:x*y AND kind:\"email\"*",
])
def test_what_does_not_parse_is_invalid_argument(text: str) -> None:
    with pytest.raises(EwsError) as caught:
        compiled(text)
    assert caught.value.code == "ErrorInvalidArgument"


def test_another_keyword_table() -> None:
    """FindPeople (or any other search) can read the syntax over its own properties."""
    people = {"displayname": aqs.Text(("contacts:DisplayName",))}
    node = aqs.parse("DisplayName:john smith", people)
    free = aqs.Text(("contacts:DisplayName", "contacts:CompanyName"))
    assert aqs.to_restriction(node, UTC_CTX, people, free) == Q.And((
        words("contacts:DisplayName", "john"),
        Q.Or((words("contacts:DisplayName", "smith"), words("contacts:CompanyName", "smith")))))
