"""m:CreateFolderPath -> the parent folder and the chain of folders to create below it (each level the parent
of the next); one response message per level, holding that level's folder element with its FolderId."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from ..core.errors import EwsError
from .create_folder import NewFolder, new_folder, render_success
from .folders import FolderRef, target_folder
from .namespaces import m

__all__ = ["CreateFolderPathRequest", "parse", "render_success"]


@dataclass(frozen=True)
class CreateFolderPathRequest:
    parent: FolderRef | None
    #: the levels, outermost first; a level whose values Exchange refuses is its EwsError
    elements: list[NewFolder | EwsError]


def parse(body: etree._Element, zone: dt.tzinfo, strict: bool) -> CreateFolderPathRequest:
    path = body.find(m("RelativeFolderPath"))
    levels = [new_folder(el) for el in path if isinstance(el.tag, str)] if path is not None else []
    return CreateFolderPathRequest(target_folder(body.find(m("ParentFolderId"))), levels)
