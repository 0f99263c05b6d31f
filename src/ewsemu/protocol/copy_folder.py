"""m:CopyFolder: the request and the answer are MoveFolder's (BaseMoveCopyFolderType); the answer names the
copy."""
from __future__ import annotations

from .move_folder import MoveCopyFolderRequest, parse, render_success

__all__ = ["MoveCopyFolderRequest", "parse", "render_success"]
