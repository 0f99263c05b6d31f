"""FindItem in SQL: restriction trees become WHERE clauses, sort keys ORDER BY, views LIMIT/OFFSET.

Nothing is filtered in Python: the count and the page are two statements in one read transaction. Every
construct used here runs on SQLite and PostgreSQL alike:

* a leaf is ``value IS NOT NULL AND <test>``, so an absent property makes it false, never NULL, and
  ``Not`` keeps two-valued logic;
* multi-valued fields and extended properties are tested with ``EXISTS`` over ``item_values`` (one row per
  element, extended values in the canonical text of :func:`ewsemu.core.query.index_text`), so IsEqualTo
  means "any element equals";
* Contains is a regular expression built here from the constant, with case and accent variants spelt out
  as character classes, so SQLite's Python ``REGEXP`` and PostgreSQL's ``~`` give the same answers
  whatever the database collation;
* read-only properties the server derives (IsComplete, Size, …) have SQL twins of
  :data:`ewsemu.protocol.items.DERIVED`;
* addresses (message:From, Sender, the recipient and attendee lists) are JSON in their columns: a leaf reads
  each mailbox's ``email`` and ``name`` with the database's JSON functions (``json_extract``/``json_each`` on
  SQLite, ``#>>``/``jsonb_array_elements`` on PostgreSQL), a list matching when any of its mailboxes does.
"""
from __future__ import annotations

import operator
import unicodedata
from typing import Any, Callable, Sequence

from sqlalchemy import BigInteger, Boolean, Float, Integer, Text, and_, case, cast, exists, false, func, literal, not_, \
    null, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ..core import fields as F
from ..core import query as Q
from ..core.item import Item
from ..core.paths import ExtendedFieldURI, FieldURI, IndexedFieldURI
from ..core.task_rules import STATUS_DESCRIPTIONS
from ..core.values import ADDRESS_ATTRS
from . import codec
from .schema import item_values, items, mailboxes
from .unit_of_work import Readable, connection_of


class _byte_length(FunctionElement):
    """Length in UTF-8 bytes (item:Size counts bytes)."""

    type = Integer()
    inherit_cache = True


@compiles(_byte_length)
def _byte_length_default(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return f"length(CAST({compiler.process(element.clauses, **kw)} AS BLOB))"


@compiles(_byte_length, "postgresql")
def _byte_length_postgresql(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return f"octet_length({compiler.process(element.clauses, **kw)})"


class _json_member(FunctionElement):
    """The text of a member of the JSON object in a text expression: ``_json_member(column, "mailbox.email")``."""

    type = Text()
    inherit_cache = True


class _dictionary_entry(FunctionElement):
    """One member of one entry of a dictionary column (JSON text: a list of entries, each with its ``key``):
    ``_dictionary_entry(column, key, member)`` is that entry's member, or NULL. Each dialect reads JSON its
    own way: SQLite's ``json_each``, PostgreSQL's ``jsonb_array_elements``."""

    type = Text()
    inherit_cache = True


@compiles(_json_member)
def _json_member_default(element, compiler, **kw):  # type: ignore[no-untyped-def]
    value, path = list(element.clauses)
    return f"json_extract({compiler.process(value, **kw)}, '$.' || {compiler.process(path, **kw)})"


@compiles(_json_member, "postgresql")
def _json_member_postgresql(element, compiler, **kw):  # type: ignore[no-untyped-def]
    value, path = list(element.clauses)
    return (f"(CAST({compiler.process(value, **kw)} AS jsonb) #>> "
            f"string_to_array({compiler.process(path, **kw)}, '.'))")


class _per_dialect(ColumnElement):
    """A boolean written two ways: the PostgreSQL one, and the default (SQLite) one."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, default: ColumnElement, postgresql: ColumnElement) -> None:
        self.default, self.postgresql = default, postgresql


@compiles(_per_dialect)
def _per_dialect_default(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return compiler.process(element.default, **kw)


@compiles(_per_dialect, "postgresql")
def _per_dialect_postgresql(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return compiler.process(element.postgresql, **kw)


@compiles(_dictionary_entry)
def _dictionary_entry_default(element, compiler, **kw):  # type: ignore[no-untyped-def]
    column, key, member = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(SELECT json_extract(de.value, '$.' || {member}) FROM json_each({column}) AS de "
            f"WHERE json_extract(de.value, '$.key') = {key})")


@compiles(_dictionary_entry, "postgresql")
def _dictionary_entry_postgresql(element, compiler, **kw):  # type: ignore[no-untyped-def]
    column, key, member = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(SELECT de ->> {member} FROM jsonb_array_elements(CAST({column} AS jsonb)) AS de "
            f"WHERE de ->> 'key' = {key})")


#: the JSON member (store.codec's names) of an entry's value, by dictionary kind; a physical address's
#: members are named by the IndexedFieldURI (contacts:PhysicalAddress:Street -> street)
_ENTRY_MEMBER = {F.EMAILS: "email", F.PHONES: "value", F.IMS: "value"}


def _indexed_sql(path: IndexedFieldURI) -> ColumnElement | None:
    """A dictionary entry (its member) as a text expression, for sorting; None for what is not stored."""
    d = F.indexed(path.uri)
    f = F.field(d.dictionary) if d is not None else None
    if f is None or f.column is None:
        return None
    member = _ENTRY_MEMBER.get(f.kind) if d.member is None else ADDRESS_ATTRS[d.member]
    if member is None:
        return None
    return _dictionary_entry(items.c[f.column], literal(path.index, Text()), literal(member, Text()))


# ---- property values as SQL expressions ---------------------------------------------------------------------

_IS_TASK = items.c.item_type == "Task"


def _task(expr: Any) -> ColumnElement:
    """A Task-only derived property: absent (NULL) on other item types."""
    return case((_IS_TASK, expr), else_=null())


def _bytes(column: ColumnElement) -> ColumnElement:
    return func.coalesce(_byte_length(column), 0)


#: SQL twins of protocol.items.DERIVED: the derived read-only properties restrictions and sorts may use
_DERIVED: dict[str, Callable[[], ColumnElement]] = {
    "item:Size": lambda: 256 + _bytes(items.c.subject) + _bytes(items.c.body),
    "item:IsSubmitted": lambda: literal(False),
    # stored for messages, derived for the other item types (protocol.items.DERIVED)
    "item:IsDraft": lambda: func.coalesce(items.c.is_draft, _IS_TASK),
    "item:IsFromMe": lambda: func.coalesce(items.c.is_from_me, literal(False)),
    "item:IsResend": lambda: literal(False),
    "item:IsUnmodified": lambda: literal(False),
    "item:DateTimeSent": lambda: func.coalesce(items.c.date_time_sent, items.c.date_time_created),
    "item:HasAttachments": lambda: func.coalesce(items.c.has_attachments, literal(False)),
    "item:LastModifiedName": lambda: select(mailboxes.c.display_name).where(
        mailboxes.c.smtp == items.c.mailbox).scalar_subquery(),
    "task:IsAssignmentEditable": lambda: _task(literal(0)),
    "task:IsComplete": lambda: _task(items.c.task_status == "Completed"),
    "task:IsRecurring": lambda: _task(items.c.task_recurrence.is_not(None)),
    "task:IsTeamTask": lambda: _task(literal(False)),
    "task:StatusDescription": lambda: _task(case(STATUS_DESCRIPTIONS, value=items.c.task_status,
                                                 else_=STATUS_DESCRIPTIONS["NotStarted"])),
}


def field_sql(f: F.FieldDef) -> ColumnElement | None:
    """The property's value per item, or None for a property no stored item has."""
    derived = _DERIVED.get(f.uri)  # a derived twin wins: it covers the items that store no value
    if derived is not None:
        return derived()
    return items.c[f.column] if f.column is not None else None


def _rank(expr: ColumnElement, f: F.FieldDef) -> ColumnElement:
    """Enumerations compare and sort by their MAPI numbers, which follow the schema's value order."""
    return case({choice: i for i, choice in enumerate(f.choices)}, value=expr)


_NUMBER_SHAPES = {"int": r"^-?[0-9]{1,18}$", "float": r"^-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$"}


def _extended_value(value: ColumnElement, path: ExtendedFieldURI) -> ColumnElement:
    """An ``item_values.value`` of an extended property, typed for comparison. The cast is guarded so a
    value of another shape (the same property written with another type) never reaches it."""
    kind = Q.extended_value_kind(path)
    if kind == "text":
        return value
    sql_type = BigInteger() if kind == "int" else Float()
    return case((value.regexp_match(_NUMBER_SHAPES[kind]), cast(value, sql_type)), else_=null())


#: where a mailbox's address and name sit in the JSON of each kind of address property
_MAILBOX_MEMBERS = {F.RECIPIENT: ("email", "name"), F.RECIPIENTS: ("email", "name"),
                    F.ATTENDEES: ("mailbox.email", "mailbox.name")}
MailboxTest = Callable[[ColumnElement, ColumnElement], ColumnElement]


def _mailboxes(f: F.FieldDef, test: MailboxTest, lowered: bool = True) -> ColumnElement:
    """``test(address, name)`` ('' when absent, lower-cased unless ``lowered`` is false) on the field's mailbox,
    or on any mailbox of a list."""
    column = items.c[f.column]
    email_key, name_key = _MAILBOX_MEMBERS[f.kind]

    def parts(value: ColumnElement) -> tuple[ColumnElement, ColumnElement]:
        texts = [func.coalesce(_json_member(value, literal(key)), "") for key in (email_key, name_key)]
        return (func.lower(texts[0]), func.lower(texts[1])) if lowered else (texts[0], texts[1])

    if f.kind == F.RECIPIENT:
        return and_(column.is_not(None), test(*parts(column)))

    def any_element(elements: Any) -> ColumnElement:
        mailbox = elements.alias("mailbox")
        return exists(select(literal(1)).select_from(mailbox).where(test(*parts(mailbox.c.value))))

    return and_(column.is_not(None), _per_dialect(
        any_element(func.json_each(column).table_valued("value")),
        any_element(func.jsonb_array_elements(cast(column, JSONB)).table_valued("value"))))


def _mailbox_compare(op: str, f: F.FieldDef, value: str) -> ColumnElement:
    """IsEqualTo: the address or the display name, ignoring case; the orderings compare the display name
    (the address when there is none)."""
    wanted = func.lower(literal(value))
    if op in (Q.EQ, Q.NE):
        matches = _mailboxes(f, lambda email, name: or_(email == wanted, name == wanted))
        return matches if op == Q.EQ else and_(items.c[f.column].is_not(None), not_(matches))
    return _mailboxes(f, lambda email, name: _op(op, case((name != "", name), else_=email), wanted))


def _mailboxes_matching(f: F.FieldDef, pattern: str) -> ColumnElement:
    """Contains on an address property: the pattern found in the address or the display name."""
    return _mailboxes(f, lambda email, name: or_(email.regexp_match(pattern), name.regexp_match(pattern)),
                      lowered=False)


def _mailbox_display(f: F.FieldDef) -> ColumnElement:
    """A single mailbox's sort key: its display name, else its address, ignoring case."""
    column = items.c[f.column]
    return func.lower(func.coalesce(_json_member(column, literal("name")), _json_member(column, literal("email"))))


# ---- comparisons --------------------------------------------------------------------------------------------


_OPERATORS: dict[str, Callable[[Any, Any], ColumnElement]] = {
    Q.EQ: operator.eq, Q.NE: operator.ne, Q.GT: operator.gt, Q.GE: operator.ge, Q.LT: operator.lt, Q.LE: operator.le,
}


def _op(op: str, left: Any, right: Any) -> ColumnElement:
    return _OPERATORS[op](left, right)


def _present(expr: ColumnElement, test: ColumnElement) -> ColumnElement:
    return and_(expr.is_not(None), test)


def _elements(key: str, *conditions: ColumnElement) -> ColumnElement:
    """EXISTS an ``item_values`` row of this item and property satisfying ``conditions``."""
    return exists().where(item_values.c.item_id == items.c.id, item_values.c.field == key, *conditions)


def _any_element(key: str, op: str, value_of: Callable[[ColumnElement], ColumnElement], value: Any) -> ColumnElement:
    """Comparison on a multi-valued property: true when any element satisfies it; IsNotEqualTo is true
    when the property exists and no element equals the constant."""
    element = value_of(item_values.c.value)
    if op == Q.NE:
        return and_(_elements(key), not_(_elements(key, element == value)))
    return _elements(key, element.is_not(None), _op(op, element, value))


def _compare(node: Q.Compare) -> ColumnElement:
    path = node.path
    if isinstance(path, ExtendedFieldURI):
        return _any_element(path.key, node.op, lambda v: _extended_value(v, path), node.value)
    f = F.FIELDS[path.uri]
    if node.other is not None:
        return _compare_fields(node.op, f, F.FIELDS[node.other.uri])
    if f.kind == F.STRINGS:  # Exchange compares list elements (Categories) case-insensitively
        value = func.lower(literal(node.value)) if isinstance(node.value, str) else node.value
        return _any_element(f.uri, node.op, func.lower, value)  # both sides by the database's lower()
    if f.kind in _MAILBOX_MEMBERS:
        return _mailbox_compare(node.op, f, node.value)
    if f.kind == F.FLAG:  # item:Flag compares by its FlagStatus
        status = _json_member(items.c[f.column], literal("status"))
        return _present(status, _op(node.op, status, node.value))
    expr = field_sql(f)
    if expr is None:
        return false()
    if f.kind == F.ENUM and node.op not in (Q.EQ, Q.NE):
        return _present(expr, _op(node.op, _rank(expr, f), f.choices.index(node.value)))
    return _present(expr, _op(node.op, expr, node.value))


def _compare_fields(op: str, left_field: F.FieldDef, right_field: F.FieldDef) -> ColumnElement:
    left, right = field_sql(left_field), field_sql(right_field)
    if left is None or right is None:
        return false()
    if left_field.kind == F.ENUM:
        left, right = _rank(left, left_field), _rank(right, right_field)
    return and_(left.is_not(None), right.is_not(None), _op(op, left, right))


def _exists(node: Q.Exists) -> ColumnElement:
    path = node.path
    if isinstance(path, ExtendedFieldURI):
        return _elements(path.key)
    f = F.FIELDS[path.uri]
    if f.kind == F.STRINGS:
        return _elements(f.uri)
    expr = field_sql(f)
    return expr.is_not(None) if expr is not None else false()


def _contains(node: Q.Contains) -> ColumnElement:
    pattern = contains_pattern(node.text, node.mode, node.ignore_case, node.ignore_nonspacing)
    path = node.path
    if isinstance(path, ExtendedFieldURI):
        return _elements(path.key, item_values.c.value.regexp_match(pattern))
    f = F.FIELDS[path.uri]
    if f.kind == F.STRINGS:
        return _elements(f.uri, item_values.c.value.regexp_match(pattern))
    if f.kind in _MAILBOX_MEMBERS:  # the pattern spells out both cases where it ignores them
        return _mailboxes_matching(f, pattern)
    expr = field_sql(f)
    return _present(expr, expr.regexp_match(pattern)) if expr is not None else false()


def _signed64(mask: int) -> int:
    """The mask as a two's-complement BIGINT (bits above 64 cannot be set in a MAPI property)."""
    mask &= (1 << 64) - 1
    return mask - (1 << 64) if mask >= 1 << 63 else mask


def _excludes(node: Q.Excludes) -> ColumnElement:
    mask = literal(_signed64(node.mask), BigInteger())
    path = node.path
    if isinstance(path, ExtendedFieldURI):
        value = _extended_value(item_values.c.value, path)
        return _elements(path.key, value.is_not(None), value.op("&")(mask) == 0)
    expr = field_sql(F.FIELDS[path.uri])
    return _present(expr, expr.op("&")(mask) == 0) if expr is not None else false()


def where(node: Q.Restriction) -> ColumnElement:
    """The restriction as a boolean SQL expression over ``items``."""
    if isinstance(node, Q.Compare):
        return _compare(node)
    if isinstance(node, Q.Contains):
        return _contains(node)
    if isinstance(node, Q.Exists):
        return _exists(node)
    if isinstance(node, Q.Excludes):
        return _excludes(node)
    if isinstance(node, Q.Never):
        return false()
    if isinstance(node, Q.Not):
        return not_(where(node.term))
    terms = [where(t) for t in node.terms]
    return and_(*terms) if isinstance(node, Q.And) else or_(*terms)


# ---- Contains as a regular expression -----------------------------------------------------------------------

#: word separators for PrefixOnWords / ExactPhrase: white space and ASCII punctuation
_SEPARATOR = r"[\s!-/:-@\[-`{-~]"
_COMBINING = "[\u0300-\u036f]"


def _strip_marks(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


def _accent_groups() -> dict[str, frozenset[str]]:
    """Base letter -> every precomposed Latin letter that decomposes to it (é, è, ê, ë -> e)."""
    groups: dict[str, set[str]] = {}
    for start, stop in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for cp in range(start, stop):
            ch = chr(cp)
            base = _strip_marks(ch)
            if len(base) == 1 and base != ch:
                groups.setdefault(base, {base}).add(ch)
    return {base: frozenset(chars) for base, chars in groups.items()}


_ACCENTS = _accent_groups()


def _escape(ch: str) -> str:
    """Escape ASCII punctuation and spaces; Python's re and PostgreSQL's AREs both read ``\\<char>`` as the
    character itself for those (and only those)."""
    return "\\" + ch if ch.isascii() and not ch.isalnum() else ch


def _variants(ch: str, ignore_case: bool, ignore_nonspacing: bool) -> set[str]:
    chars = {ch}
    if ignore_nonspacing:
        base = _strip_marks(ch) or ch
        chars |= _ACCENTS.get(base, frozenset({base})) | {base}
    if ignore_case:
        for c in list(chars):
            chars |= {v for v in (c.lower(), c.upper()) if len(v) == 1}
            if ignore_nonspacing:
                chars |= _ACCENTS.get(_strip_marks(c.lower()), frozenset())
                chars |= _ACCENTS.get(_strip_marks(c.upper()), frozenset())
    return chars


_WORD_CHAR = r"[^\s!-/:-@\[-`{-~]"


def _word_sequence(text: str, prefixes: bool, ignore_case: bool, ignore_nonspacing: bool) -> str:
    """AQS words in order (:data:`ewsemu.core.query.WORDS` / ``WORD_PREFIXES``), separated by anything that
    separates words."""
    words = [contains_pattern(word, "Substring", ignore_case, ignore_nonspacing) for word in text.split(" ") if word]
    tail = _WORD_CHAR + "*" if prefixes else ""
    body = (tail + _SEPARATOR + "+").join(words)
    return rf"(?:\A|{_SEPARATOR})" + body + ("" if prefixes else rf"(?:{_SEPARATOR}|\Z)")


def contains_pattern(text: str, mode: str, ignore_case: bool, ignore_nonspacing: bool) -> str:
    """A regular expression (the common subset of Python ``re`` and PostgreSQL AREs) for Contains."""
    if mode in (Q.WORDS, Q.WORD_PREFIXES):
        return _word_sequence(text, mode == Q.WORD_PREFIXES, ignore_case, ignore_nonspacing)
    pieces = []
    for ch in text:
        if ignore_nonspacing and unicodedata.combining(ch):
            continue  # the optional marks after the previous character cover it
        chars = _variants(ch, ignore_case, ignore_nonspacing)
        piece = _escape(ch) if len(chars) == 1 else "[" + "".join(_escape(c) for c in sorted(chars)) + "]"
        pieces.append(piece + (_COMBINING + "*" if ignore_nonspacing else ""))
    body = "".join(pieces)
    if mode == "FullString":
        return r"\A" + body + r"\Z"
    if mode == "Prefixed":
        return r"\A" + body
    if mode == "PrefixOnWords":
        return rf"(?:\A|{_SEPARATOR})" + body
    if mode == "ExactPhrase":
        return rf"(?:\A|{_SEPARATOR})" + body + rf"(?:{_SEPARATOR}|\Z)"
    return body


# ---- sorting ------------------------------------------------------------------------------------------------


def _sort_values(key: Q.SortKey) -> list[ColumnElement]:
    path = key.path
    if isinstance(path, ExtendedFieldURI):
        value = _extended_value(item_values.c.value, path)
        return [select(func.min(value)).where(item_values.c.item_id == items.c.id,
                                              item_values.c.field == path.key).scalar_subquery()]
    if isinstance(path, IndexedFieldURI):  # a dictionary entry sorts as text, case-insensitively
        entry = _indexed_sql(path)
        return [] if entry is None else [func.lower(entry), entry]
    f = F.field(path.uri) if isinstance(path, FieldURI) else None
    if f is not None and f.kind == F.STRINGS:  # a list sorts by its lowest element, case-insensitively
        lowest = select(func.min(func.lower(item_values.c.value))).where(
            item_values.c.item_id == items.c.id, item_values.c.field == f.uri).scalar_subquery()
        return [lowest]
    if f is not None and f.kind == F.RECIPIENT:
        return [_mailbox_display(f)]
    expr = field_sql(f) if f is not None else None
    if expr is None:
        return []
    if f.kind == F.ENUM:
        return [_rank(expr, f)]
    if f.kind == F.STRING:
        return [func.lower(expr), expr]  # case-insensitive first, as Exchange's collation does
    return [expr]


def order_by(sort: tuple[Q.SortKey, ...]) -> list[ColumnElement]:
    """ORDER BY for the sort keys (an absent value sorts lowest), then creation time and Id so every page
    boundary is stable."""
    clauses = []
    for key in sort:
        for value in _sort_values(key):
            clauses.append(value.desc().nulls_last() if key.descending else value.asc().nulls_first())
    return clauses + [items.c.date_time_created.asc(), items.c.id.asc()]


# ---- the query ----------------------------------------------------------------------------------------------


def _traversal(traversal: str) -> ColumnElement:
    """Shallow: the folder's normal items; Associated: its associated (hidden) items; SoftDeleted: nothing,
    since soft-deleted items are moved to Recoverable Items rather than kept in a per-folder dumpster."""
    if traversal == "Associated":
        return items.c.is_associated.is_(True)
    if traversal == "SoftDeleted":
        return false()
    return func.coalesce(items.c.is_associated, False).is_(False)


def _in_folders(folder_ids: str | Sequence[str]) -> ColumnElement:
    return items.c.folder_id == folder_ids if isinstance(folder_ids, str) else items.c.folder_id.in_(folder_ids)


def find_items(conn: Readable, mailbox: str, folder_ids: str | Sequence[str], query: Q.FindQuery,
               view: Q.View) -> tuple[int, Q.Window, list[Item]]:
    """(matches in the view, the page's window, the page's items) for one parent folder, or for the folders a
    search folder searches."""
    condition = and_(items.c.mailbox == mailbox.lower(), _in_folders(folder_ids), _traversal(query.traversal))
    if query.restriction is not None:
        condition = and_(condition, where(query.restriction))
    total = connection_of(conn).execute(select(func.count()).select_from(items).where(condition)).scalar_one()
    window = view.window(total)
    if window.stop <= window.start:
        return total, window, []
    rows = connection_of(conn).execute(select(items).where(condition).order_by(*order_by(query.sort))
                        .offset(window.start).limit(window.stop - window.start))
    return total, window, [codec.item_from_row(row) for row in rows]


def search_counts(conn: Readable, mailbox: str, folder_ids: Sequence[str], restriction: Q.Restriction) -> tuple[int, int]:
    """A search folder's TotalCount and UnreadCount: the normal items of ``folder_ids`` that match."""
    if not folder_ids:
        return 0, 0
    condition = and_(items.c.mailbox == mailbox.lower(), _in_folders(folder_ids), _traversal("Shallow"),
                     where(restriction))
    total, unread = connection_of(conn).execute(select(
        func.count(), func.coalesce(func.sum(case((items.c.message_is_read.is_(False), 1), else_=0)), 0))
        .select_from(items).where(condition)).one()
    return int(total), int(unread)


def folder_sizes(conn: Readable, folder_ids: Sequence[str]) -> dict[str, int]:
    """Each folder's size: the sizes of all its items, associated ones too (folders without items are absent)."""
    if not folder_ids:
        return {}
    size = _DERIVED["item:Size"]()
    rows = connection_of(conn).execute(select(items.c.folder_id, func.sum(size)).where(
        items.c.folder_id.in_(list(folder_ids))).group_by(items.c.folder_id))
    return {folder_id: int(total) for folder_id, total in rows}
