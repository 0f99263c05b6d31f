"""``t:PermissionSet`` / ``t:CalendarPermissionSet`` <-> :class:`ewsemu.core.permissions.PermissionSet`."""
from __future__ import annotations

import hashlib

from lxml import etree

from ..core.errors import EwsError
from ..core.permissions import Permission, PermissionSet, Rights, UserId, normalised, rights_for
from .namespaces import t

_FLAGS = (("CanCreateItems", "can_create_items"), ("CanCreateSubFolders", "can_create_subfolders"),
          ("IsFolderOwner", "is_folder_owner"), ("IsFolderVisible", "is_folder_visible"),
          ("IsFolderContact", "is_folder_contact"))
_ACTIONS = (("EditItems", "edit_items"), ("DeleteItems", "delete_items"))


def sid_of(smtp: str) -> str:
    """A stable, well-formed Windows SID for a mailbox user (Exchange answers every user entry with one)."""
    digest = hashlib.sha256(smtp.lower().encode()).digest()
    parts = [int.from_bytes(digest[i:i + 4], "big") for i in (0, 4, 8, 12)]
    return f"S-1-5-21-{parts[0]}-{parts[1]}-{parts[2]}-{1000 + parts[3] % 100000}"


def _user(el: etree._Element | None) -> UserId:
    if el is None:
        raise EwsError("ErrorInvalidUserInfo")
    distinguished = el.findtext(t("DistinguishedUser"))
    smtp = el.findtext(t("PrimarySmtpAddress"))
    if distinguished:
        return UserId(distinguished=distinguished)
    if not smtp or "@" not in smtp:  # a SID alone or an external identity: ewsemu knows users by address
        raise EwsError("ErrorInvalidUserInfo")
    return UserId(smtp=smtp.lower(), display_name=el.findtext(t("DisplayName")))


def _entry(el: etree._Element, calendar: bool) -> Permission:
    def flag(tag: str) -> bool:
        return (el.findtext(t(tag)) or "false").strip() in ("true", "1")

    given = Rights(*(flag(tag) for tag, _ in _FLAGS), *(el.findtext(t(tag)) or "None" for tag, _ in _ACTIONS),
                   el.findtext(t("ReadItems")) or "None")
    level = el.findtext(t("CalendarPermissionLevel" if calendar else "PermissionLevel")) or "Custom"
    return Permission(_user(el.find(t("UserId"))), rights_for(level, given, calendar))


def parse_permission_set(el: etree._Element, calendar: bool) -> PermissionSet:
    """A PermissionSet as a client sets it; EwsError for what Exchange refuses (unknown entries carried back,
    duplicate users, a user it cannot resolve)."""
    unknown = el.find(t("UnknownEntries"))
    if unknown is not None and len(unknown):
        raise EwsError("ErrorCannotSetPermissionUnknownEntries")
    tag = "CalendarPermission" if calendar else "Permission"
    container = el.find(t("CalendarPermissions" if calendar else "Permissions"))
    if container is None:
        # a calendar's set written with Permission entries, or the other way round
        raise EwsError("ErrorInvalidPropertySet")
    return normalised([_entry(p, calendar) for p in container if p.tag == t(tag)], calendar)


def render_permission_set(pset: PermissionSet, calendar: bool, parent: etree._Element,
                          display_name: dict[str, str] | None = None) -> None:
    """Append ``t:PermissionSet``: each entry's user (SID, address and name for a user), its rights, its
    level computed from them."""
    root = etree.SubElement(parent, t("PermissionSet"))
    container = etree.SubElement(root, t("CalendarPermissions" if calendar else "Permissions"))
    for entry in pset.entries:
        el = etree.SubElement(container, t("CalendarPermission" if calendar else "Permission"))
        user = etree.SubElement(el, t("UserId"))
        if entry.user.distinguished:
            etree.SubElement(user, t("DistinguishedUser")).text = entry.user.distinguished
        else:
            smtp = entry.user.smtp or ""
            etree.SubElement(user, t("SID")).text = sid_of(smtp)
            etree.SubElement(user, t("PrimarySmtpAddress")).text = smtp
            name = (display_name or {}).get(smtp) or entry.user.display_name or smtp
            etree.SubElement(user, t("DisplayName")).text = name
        for tag, attr in _FLAGS:
            etree.SubElement(el, t(tag)).text = "true" if getattr(entry.rights, attr) else "false"
        for tag, attr in _ACTIONS:
            etree.SubElement(el, t(tag)).text = getattr(entry.rights, attr)
        etree.SubElement(el, t("ReadItems")).text = entry.rights.read_items
        etree.SubElement(el, t("CalendarPermissionLevel" if calendar else "PermissionLevel")).text = \
            entry.level(calendar)
