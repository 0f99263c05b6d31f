"""Folders as the domain sees them: the :class:`Folder` value that the store loads and the protocol renders (a
plain value, so neither layer depends on the other for it), the folders a new mailbox gets (their table is
:mod:`.folder_tree`, their names :mod:`.folder_names`), and the :class:`StoredMailbox` that holds them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from .folder_names import localized
from .folder_tree import TREE, is_distinguished_id
from .ids import IdFactory
from .paths import ExtendedFieldURI
from .permissions import PermissionSet


@dataclass(frozen=True)
class SearchParameters:
    """What a search folder shows: the items of its base folders (and their subfolders, Deep) that match its
    restriction. The restriction is kept as the client wrote it (``t:Restriction``, serialised by protocol), so
    it is read back and evaluated exactly as given."""

    traversal: str  # Shallow | Deep
    restriction: str
    base_folder_ids: tuple[str, ...]


@dataclass(frozen=True)
class Folder:
    """``distinguished`` is the key of a default folder (:mod:`.folder_tree`): its DistinguishedFolderId
    (``inbox``), or for a system folder without one the table's own key (``commonviews``); None for the user's
    own folders. Use :attr:`distinguished_id` for what the wire may show."""

    id: str
    mailbox: str
    parent_id: str | None
    distinguished: str | None
    display_name: str
    folder_class: str | None
    version: int
    #: the ACL; None is a new folder's (core.permissions.default_set)
    permissions: PermissionSet | None = None
    #: extended (MAPI) properties by key, as items keep them (core.item.ExtendedValue)
    extended: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: set for a search folder
    search: SearchParameters | None = None
    #: deleted with DeleteFolder SoftDelete: only FindFolder's SoftDeleted traversal still lists it
    soft_deleted: bool = False

    @property
    def change_key(self) -> str:
        return IdFactory.change_key(self.id, self.version)

    @property
    def folder_type(self) -> str:
        return folder_type(self.folder_class, self.search is not None)

    @property
    def distinguished_id(self) -> str | None:
        """The DistinguishedFolderId this folder answers to, if it has one."""
        return self.distinguished if is_distinguished_id(self.distinguished) else None

    @property
    def is_default(self) -> bool:
        """One of the folders every mailbox gets (distinguished or system): Exchange never deletes those."""
        return self.distinguished is not None


#: folder class -> folder type, matched on the class or a dotted sub-class (IPF.Task.Custom is still tasks)
_TYPE_BY_CLASS = (("IPF.Task", "TasksFolder"), ("IPF.Appointment", "CalendarFolder"), ("IPF.Contact", "ContactsFolder"))
#: the folder class a typed folder element is created with (a generic t:Folder keeps the class it is given)
CLASS_OF_TYPE: dict[str, str] = {"TasksFolder": "IPF.Task", "CalendarFolder": "IPF.Appointment",
                                 "ContactsFolder": "IPF.Contact", "SearchFolder": "IPF.Note"}


def folder_type(folder_class: str | None, search: bool = False) -> str:
    """The element Exchange answers a folder with: it follows the folder class, not the element it was
    created with (a t:Folder of class IPF.Task is a t:TasksFolder)."""
    if search:
        return "SearchFolder"
    cls = folder_class or ""
    for prefix, name in _TYPE_BY_CLASS:
        if cls == prefix or cls.startswith(prefix + "."):
            return name
    return "Folder"


def same_name(a: str, b: str) -> bool:
    """Sibling folder names clash case-insensitively (ErrorFolderExists)."""
    return a.casefold() == b.casefold()


def new_mailbox_folders(mailbox: str, language: str, new_id: Callable[[], str]) -> list[Folder]:
    """The folders of a new mailbox, parents first, named in ``language`` (an ISO 639-1 code of
    :mod:`.folder_names`); ``new_id`` makes each FolderId."""
    ids: dict[str, str] = {}
    made: list[Folder] = []
    for default in TREE:
        ids[default.key] = new_id()
        parent = ids[default.parent] if default.parent is not None else None
        made.append(Folder(ids[default.key], mailbox, parent, default.key, localized(default.name, language),
                           default.folder_class, 1))
    return made


@dataclass(frozen=True)
class StoredMailbox:
    """A mailbox as the store holds it (the control plane lists them)."""

    smtp: str
    display_name: str
    created: dt.datetime


#: PR_MESSAGE_SIZE(_EXTENDED): a folder's size, which Exchange computes from what the folder holds
FOLDER_SIZE_TAG = 0x0E08


def is_folder_size(path: ExtendedFieldURI) -> bool:
    """The extended property a client reads a folder's size by (exchangelib's ``Folder.size``: PropertyTag
    0x0E08, Long); it is answered from the folder's items, never stored."""
    if path.property_tag is None or path.property_type not in ("Integer", "Long"):
        return False
    try:
        return int(path.property_tag, 0) == FOLDER_SIZE_TAG
    except ValueError:
        return False
