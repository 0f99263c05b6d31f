"""Folder permissions (a folder's PermissionSet) as Exchange keeps them.

A permission level is a name for a fixed set of rights: a client that sends ``PermissionLevel`` Editor gets
Editor's rights whatever flags it sends, and one that sends ``Custom`` gets exactly its flags. Read back, the
level is computed from the rights (a set of rights that matches a level's is that level, else Custom), so the
two never disagree. Every ACL has a Default and an Anonymous entry; a PermissionSet that leaves them out resets
them to no rights (the calendar's Default keeps seeing free/busy times, as in a new mailbox).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import EwsError

ACTIONS = ("None", "Owned", "All")
READ_ACCESS = ("None", "FullDetails")
CALENDAR_READ_ACCESS = ("None", "TimeOnly", "TimeAndSubjectAndLocation", "FullDetails")
DEFAULT, ANONYMOUS = "Default", "Anonymous"


@dataclass(frozen=True)
class UserId:
    """Who an entry is for: a mailbox user (by SMTP address; SID and DisplayName are derived) or one of the
    distinguished users Default and Anonymous."""

    smtp: str | None = None
    distinguished: str | None = None
    display_name: str | None = None

    @property
    def key(self) -> str:
        return self.distinguished or (self.smtp or "").lower()


@dataclass(frozen=True)
class Rights:
    can_create_items: bool = False
    can_create_subfolders: bool = False
    is_folder_owner: bool = False
    is_folder_visible: bool = False
    is_folder_contact: bool = False
    edit_items: str = "None"
    delete_items: str = "None"
    read_items: str = "None"


_OWNER = Rights(True, True, True, True, True, "All", "All", "FullDetails")
#: the levels of PermissionLevelType (and CalendarPermissionLevelType), with their rights
LEVELS: dict[str, Rights] = {
    "None": Rights(),
    "Owner": _OWNER,
    "PublishingEditor": replace(_OWNER, is_folder_owner=False, is_folder_contact=False),
    "Editor": replace(_OWNER, can_create_subfolders=False, is_folder_owner=False, is_folder_contact=False),
    "PublishingAuthor": Rights(True, True, False, True, False, "Owned", "Owned", "FullDetails"),
    "Author": Rights(True, False, False, True, False, "Owned", "Owned", "FullDetails"),
    "NoneditingAuthor": Rights(True, False, False, True, False, "None", "Owned", "FullDetails"),
    "Reviewer": Rights(False, False, False, True, False, "None", "None", "FullDetails"),
    "Contributor": Rights(True, False, False, True, False, "None", "None", "None"),
}
CALENDAR_LEVELS: dict[str, Rights] = {
    **LEVELS,
    "FreeBusyTimeOnly": Rights(read_items="TimeOnly"),
    "FreeBusyTimeAndSubjectAndLocation": Rights(read_items="TimeAndSubjectAndLocation"),
}


@dataclass(frozen=True)
class Permission:
    user: UserId
    rights: Rights

    def level(self, calendar: bool) -> str:
        levels = CALENDAR_LEVELS if calendar else LEVELS
        return next((name for name, rights in levels.items() if rights == self.rights), "Custom")


@dataclass(frozen=True)
class PermissionSet:
    """A folder's ACL, Default and Anonymous first, then the users in the order they were set."""

    entries: tuple[Permission, ...]


def rights_for(level: str, given: Rights, calendar: bool) -> Rights:
    """The rights an entry gets: its level's, or for Custom the flags it carries (EwsError for a level that
    this kind of folder does not have)."""
    if level == "Custom":
        return given
    levels = CALENDAR_LEVELS if calendar else LEVELS
    if level not in levels:
        raise EwsError("ErrorInvalidPermissionSettings")
    return levels[level]


def default_set(calendar: bool) -> PermissionSet:
    """A new folder's ACL: nobody else sees anything, except the calendar's free/busy times."""
    default = CALENDAR_LEVELS["FreeBusyTimeOnly"] if calendar else Rights()
    return PermissionSet((Permission(UserId(distinguished=DEFAULT), default),
                          Permission(UserId(distinguished=ANONYMOUS), Rights())))


def normalised(entries: list[Permission], calendar: bool) -> PermissionSet:
    """The ACL a PermissionSet sets: duplicates refused (ErrorDuplicateUserIdsSpecified), Default and Anonymous
    present (added with the new folder's rights when left out), in a stable order."""
    seen: set[str] = set()
    for entry in entries:
        if not entry.user.key:
            raise EwsError("ErrorInvalidUserInfo")
        if entry.user.key in seen:
            raise EwsError("ErrorDuplicateUserIdsSpecified")
        seen.add(entry.user.key)
    base = {e.user.key: e for e in default_set(calendar).entries}
    given = {e.user.key: e for e in entries}
    fixed = [given.get(key, base[key]) for key in (DEFAULT, ANONYMOUS)]
    return PermissionSet(tuple(fixed + [e for e in entries if e.user.distinguished is None]))
