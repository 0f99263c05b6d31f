"""What FindFolder should list, worked out from the default-folder table (core.folder_tree) independently of
the store: the folders of each hierarchy, and a Deep traversal's names in order (depth-first, siblings by name,
case-insensitively)."""
from __future__ import annotations

from typing import Callable

from ewsemu.core.folder_names import ENGLISH, localized
from ewsemu.core.folder_tree import ARCHIVE_ROOT, BY_KEY, ROOT, TREE, DefaultFolder


def root_of(folder: DefaultFolder) -> str:
    while folder.parent is not None:
        folder = BY_KEY[folder.parent]
    return folder.key


#: the primary hierarchy (under ``root``) and the archive's (under ``archiveroot``)
PRIMARY = [f for f in TREE if root_of(f) == ROOT]
ARCHIVE = [f for f in TREE if root_of(f) == ARCHIVE_ROOT]


def deep(key: str, language: str = ENGLISH) -> list[DefaultFolder]:
    """Every default folder below ``key``, in a Deep FindFolder's order."""
    children = sorted((f for f in TREE if f.parent == key), key=lambda f: localized(f.name, language).casefold())
    return [g for f in children for g in (f, *deep(f.key, language))]


def deep_names(key: str, keep: Callable[[DefaultFolder], bool] = lambda f: True,
               language: str = ENGLISH) -> list[str]:
    return [localized(f.name, language) for f in deep(key, language) if keep(f)]
