"""The REST faces over the task store, served beside EWS: ``/beta/tasks`` (Graph-style) and ``/v1/tasks``.

Both read and write through the same store and the same write path as EWS UpdateItem, so a change made
through one face is seen through the others, with the same ChangeKey underneath.
"""
from __future__ import annotations

from typing import Callable, Iterable

from ..operations.context import Emulator
from ..users import UserDirectory
from .common import Request
from .graph import GraphFace
from .tasks_api import TasksApi

PREFIXES = ("/beta/", "/v1/")


class RestApp:
    """WSGI app for every path under :data:`PREFIXES` (the EWS router sends them here)."""

    def __init__(self, emulator: Emulator, users: UserDirectory | None) -> None:
        self.limits = emulator.settings.limits
        self.graph = GraphFace(emulator, users)
        self.tasks = TasksApi(emulator, users)

    def __call__(self, environ: dict, start_response: Callable[..., object]) -> Iterable[bytes]:
        request = Request.from_environ(environ, self.limits)
        face = self.graph if request.path.lower().startswith("/beta/") else self.tasks
        return face.handle(request).wsgi(start_response)


def make_rest_app(emulator: Emulator, users: UserDirectory | None) -> RestApp:
    """The REST faces; without a users file every call but ``/v1/openapi.json`` is 401 (no bearer tokens)."""
    return RestApp(emulator, users)
