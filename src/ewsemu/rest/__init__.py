"""The REST faces over the task store, served beside EWS: ``/beta/tasks`` (Graph-style) and ``/v1/tasks``.

Both read and write through the same store and the same write path as EWS UpdateItem, so a change made
through one face is seen through the others, with the same ChangeKey underneath.
"""
from __future__ import annotations

from typing import Callable, Iterable

from ..emulator import Emulator
from ..server.auth import Authenticator, Refusal
from ..core.users import User
from .common import Request
from .graph import GraphFace
from .tasks_api import TasksApi

PREFIXES = ("/beta/", "/v1/")
#: the environ key holding the request's caller once :meth:`RestApp.caller` has decided it
CALLER_KEY = "ewsemu.rest.caller"


class RestApp:
    """WSGI app for every path under :data:`PREFIXES` (the EWS router sends them here).

    The server's authenticator decides who calls, as for EWS: with a users file a user's bearer token, in the
    open default Basic or ``Bearer <smtp address>`` (the JSON task API then sees only the caller's mailbox).
    """

    def __init__(self, emulator: Emulator, authenticator: Authenticator) -> None:
        self.limits = emulator.settings.limits
        self.authenticator = authenticator
        self.graph = GraphFace(emulator)
        self.tasks = TasksApi(emulator, emulator.settings.users)

    def caller(self, environ: dict) -> User | Refusal:
        """Who calls (decided once per request: the router asks first, for the ledger and fault rules)."""
        if CALLER_KEY not in environ:
            environ[CALLER_KEY] = self.authenticator.rest_caller(environ)
        return environ[CALLER_KEY]

    def __call__(self, environ: dict, start_response: Callable[..., object]) -> Iterable[bytes]:
        request = Request.from_environ(environ, self.limits)
        face = self.graph if request.path.lower().startswith("/beta/") else self.tasks
        return face.handle(request, self.caller(environ)).wsgi(start_response)


def make_rest_app(emulator: Emulator, authenticator: Authenticator) -> RestApp:
    """The REST faces, authenticated by ``authenticator`` (the one EWS uses); ``/v1/openapi.json`` is public."""
    return RestApp(emulator, authenticator)
