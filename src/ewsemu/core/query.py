"""FindItem queries as the core sees them: the restriction tree, sort keys and paging views. No XML, no SQL.

``protocol.restrictions`` builds these values from a request, with every constant already converted to the
type of the property it is compared with; ``store.query`` compiles them to SQL. Restrictions follow MAPI's
two-valued logic: a leaf on a property the item does not have is false (so ``Not`` of it is true).
"""
from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any, Union

from . import fields as F
from .errors import EwsError
from .paths import ExtendedFieldURI, FieldURI, IndexedFieldURI, Path

EQ, NE, GT, GE, LT, LE = "eq", "ne", "gt", "ge", "lt", "le"
#: search expression element -> comparison operator
OPERATORS = {"IsEqualTo": EQ, "IsNotEqualTo": NE, "IsGreaterThan": GT, "IsGreaterThanOrEqualTo": GE,
             "IsLessThan": LT, "IsLessThanOrEqualTo": LE}

#: ContainmentComparison -> (ignore case, ignore non-spacing characters). MAPI's FL_LOOSE means "match
#: whenever possible, ignoring case and non-spacing characters", so every Loose variant ignores both.
COMPARISONS: dict[str, tuple[bool, bool]] = {
    "Exact": (False, False),
    "IgnoreCase": (True, False),
    "IgnoreNonSpacingCharacters": (False, True),
    "IgnoreCaseAndNonSpacingCharacters": (True, True),
    "Loose": (True, True),
    "LooseAndIgnoreCase": (True, True),
    "LooseAndIgnoreNonSpace": (True, True),
    "LooseAndIgnoreCaseAndIgnoreNonSpace": (True, True),
}
CONTAINMENT_MODES = ("FullString", "Prefixed", "Substring", "PrefixOnWords", "ExactPhrase")
#: the word matches of AQS query strings (:mod:`.aqs`), never sent on the wire: ``text`` is words joined by single
#: spaces, found in order as whole words (WORDS) or each as the start of a word (WORD_PREFIXES), whatever
#: separates them in the property (white space, punctuation)
WORDS, WORD_PREFIXES = "Words", "WordPrefixes"

#: Exchange accepts restrictions on these but never matches an item with them (exchangelib's test suite
#: relies on it: "These fields don't raise an error when used in a filter, but also don't match anything").
NEVER_MATCHES = frozenset({"task:PercentComplete", "item:ReminderDueBy", "message:ConversationIndex"})
#: kinds a restriction can never name: identities and structured or streamed values
_UNQUERYABLE_KINDS = frozenset({F.ITEMID, F.FOLDERID, F.EFFECTIVE_RIGHTS, F.OPAQUE, F.MIME, F.RECURRENCE})
#: kinds Contains works on (Exchange answers ErrorContainsFilterWrongType for the others); on an address
#: (message:From, …) it searches the address and the display name
TEXT_KINDS = frozenset({F.STRING, F.STRINGS, F.BODY, F.RECIPIENT})
#: kinds that cannot be sort keys (lists and streamed bodies)
#: string lists (Categories) sort by their lowest element, as Exchange Online sorts them (exchangelib's
#: test_order_by_on_list_field)
_UNSORTABLE_KINDS = _UNQUERYABLE_KINDS | {F.BODY}

_INTEGER_TYPES = frozenset({"Short", "Integer", "Long"})
_FLOAT_TYPES = frozenset({"Double", "Float", "Currency", "ApplicationTime"})
_TEXT_TYPES = frozenset({"String", "Binary"})


# ---- the restriction tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    """``path <op> value``, or ``path <op> other`` when the right-hand side is another property."""

    op: str
    path: Path
    value: Any = None
    other: Path | None = None


@dataclass(frozen=True)
class Exists:
    path: Path


@dataclass(frozen=True)
class Contains:
    path: Path
    text: str
    mode: str = "FullString"
    comparison: str = "Exact"

    @property
    def ignore_case(self) -> bool:
        return COMPARISONS[self.comparison][0]

    @property
    def ignore_nonspacing(self) -> bool:
        return COMPARISONS[self.comparison][1]


@dataclass(frozen=True)
class Excludes:
    """True when ``path & mask == 0``."""

    path: Path
    mask: int


@dataclass(frozen=True)
class Never:
    """A leaf that is false for every item: a property we never store, or one of :data:`NEVER_MATCHES`."""

    path: Path


@dataclass(frozen=True)
class And:
    terms: tuple["Restriction", ...]


@dataclass(frozen=True)
class Or:
    terms: tuple["Restriction", ...]


@dataclass(frozen=True)
class Not:
    term: "Restriction"


Restriction = Union[Compare, Exists, Contains, Excludes, Never, And, Or, Not]


@dataclass(frozen=True)
class SortKey:
    path: Path
    descending: bool = False


@dataclass(frozen=True)
class FindQuery:
    restriction: Restriction | None = None
    sort: tuple[SortKey, ...] = ()
    traversal: str = "Shallow"


# ---- which properties a restriction or sort may name --------------------------------------------------------


def restriction_field(path: FieldURI) -> F.FieldDef | None:
    """The registry field a restriction names, or None for a property no stored item ever has (a valid
    FieldURI of an item type ewsemu does not store, e.g. ``postitem:PostedTime``: the leaf is simply false).

    ErrorUnsupportedPathForQuery for folder properties, identities, structured values and the fields the
    registry marks not searchable (except :data:`NEVER_MATCHES`, which Exchange accepts).
    """
    if path.uri.startswith("folder:"):
        raise EwsError("ErrorUnsupportedPathForQuery", path)
    f = F.field(path.uri)
    if f is None:
        return None
    if path.uri in NEVER_MATCHES:
        return f
    if not f.searchable or f.kind in _UNQUERYABLE_KINDS:
        raise EwsError("ErrorUnsupportedPathForQuery", path)
    return f


def check_sort_path(path: FieldURI) -> None:
    """SortOrder keys: bodies and structured values cannot be sorted on (ErrorUnsupportedPathForSortGroup);
    a property no stored item has is accepted and has no effect."""
    f = F.field(path.uri)
    if path.uri.startswith("folder:") or (f is not None and f.kind in _UNSORTABLE_KINDS):
        raise EwsError("ErrorUnsupportedPathForSortGroup", path)


def check_indexed_sort_path(path: IndexedFieldURI) -> None:
    """A dictionary entry (contacts:EmailAddress EmailAddress1, contacts:PhysicalAddress:City Home) sorts by its
    text; a FieldIndex the dictionary has no entry for, or a dictionary that is not stored (the message
    headers), cannot be a sort key (ErrorUnsupportedPathForSortGroup)."""
    d = F.indexed(path.uri)
    f = F.field(d.dictionary) if d is not None else None
    if d is None or f is None or f.column is None or path.index not in d.keys:
        raise EwsError("ErrorUnsupportedPathForSortGroup", path)


# ---- extended property values as search keys ----------------------------------------------------------------


def base_type(property_type: str) -> str:
    return property_type[: -len("Array")] if property_type.endswith("Array") else property_type


def index_text(property_type: str, text: str) -> str:
    """The canonical text of one extended-property value, as kept in ``item_values`` for restrictions.

    Numbers become their canonical spelling (so SQL can cast them), booleans ``true``/``false``, SystemTime
    a fixed-width UTC timestamp (so text order is time order), CLSIDs lower case. Raises ValueError when the
    text does not fit the type.
    """
    base = base_type(property_type)
    if base in _INTEGER_TYPES:
        return str(int(text))
    if base in _FLOAT_TYPES:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        return repr(value)
    if base == "Boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError(text)
        return "true" if lowered in ("true", "1") else "false"
    if base == "SystemTime":
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if base == "CLSID":
        return str(uuid.UUID(text))
    return text


def extended_value_kind(path: ExtendedFieldURI) -> str:
    """How SQL compares the search keys of an extended property: ``int``, ``float`` or ``text``."""
    base = base_type(path.property_type)
    if base in _INTEGER_TYPES:
        return "int"
    if base in _FLOAT_TYPES:
        return "float"
    return "text"


def extended_is_text(path: ExtendedFieldURI) -> bool:
    """Whether Contains may be used on the extended property."""
    return base_type(path.property_type) in _TEXT_TYPES


def extended_constant(path: ExtendedFieldURI, text: str) -> Any:
    """A restriction constant for an extended property, typed like its search keys (ValueError if unfit)."""
    canonical = index_text(path.property_type, text)
    kind = extended_value_kind(path)
    return int(canonical) if kind == "int" else float(canonical) if kind == "float" else canonical


# ---- paging ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The slice ``[start, stop)`` of the sorted matches that a page returns."""

    start: int
    stop: int


@dataclass(frozen=True)
class IndexedView:
    """IndexedPageItemView. From the end, the page is the ``max_entries`` items before ``offset`` items
    from the end (Exchange's documented example: 100 items, offset 25 from the end, 10 entries returns
    items 65..74 and the next offset from the end is 35)."""

    max_entries: int | None
    offset: int
    from_end: bool = False

    def check(self) -> None:
        _check_max(self.max_entries)
        if self.offset < 0:
            raise EwsError("ErrorInvalidIndexedPagingParameters")

    def window(self, total: int) -> Window:
        size = self.max_entries if self.max_entries is not None else total
        if self.from_end:
            stop = max(0, total - self.offset)
            return Window(max(0, stop - size), stop)
        start = min(self.offset, total)
        return Window(start, min(total, start + size))

    def position(self, total: int, window: Window) -> dict[str, int | bool]:
        """IndexedPagingOffset is where the next page starts, counted from the view's base point; the range
        ends when the page reached the last item in the paging direction."""
        if self.from_end:
            return {"IndexedPagingOffset": total - window.start, "IncludesLastItemInRange": window.start == 0}
        return {"IndexedPagingOffset": self.offset + (window.stop - window.start),
                "IncludesLastItemInRange": window.stop >= total}


@dataclass(frozen=True)
class FractionalView:
    """FractionalPageItemView: the page starts at ``total * numerator / denominator`` (rounded down)."""

    max_entries: int | None
    numerator: int
    denominator: int

    def check(self) -> None:
        _check_max(self.max_entries)
        if self.denominator <= 0 or self.numerator < 0 or self.numerator > self.denominator:
            raise EwsError("ErrorInvalidFractionalPagingParameters")

    def window(self, total: int) -> Window:
        start = total * self.numerator // self.denominator
        size = self.max_entries if self.max_entries is not None else total
        return Window(start, min(total, start + size))

    def position(self, total: int, window: Window) -> dict[str, int | bool]:
        """NumeratorOffset over AbsoluteDenominator (= the number of items in the view) is where the next
        page starts."""
        return {"NumeratorOffset": window.stop, "AbsoluteDenominator": total,
                "IncludesLastItemInRange": window.stop >= total}


View = Union[IndexedView, FractionalView]
#: no paging view: every match, reported like an indexed page from the beginning
EVERYTHING = IndexedView(None, 0)


def _check_max(max_entries: int | None) -> None:
    if max_entries is not None and max_entries <= 0:
        raise EwsError("ErrorInvalidPagingMaxRows")
