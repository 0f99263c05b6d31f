"""spyne, made importable on Python 3.11–3.13: the one module that imports it (spec/spyne-notes.md §1).

spyne 2.14.0 (its last release) cannot be imported as shipped on 3.12+:

* its vendored ``six`` 1.14 registers ``six.moves`` through a meta-path importer with only the legacy
  ``find_module``/``load_module`` API, which 3.12 no longer calls, so ``spyne.util.six.moves`` is not found
  (arskom/spyne#700, #708, #711);
* ``spyne.server.wsgi`` and ``spyne.protocol.soap.soap11`` ``import cgi`` for ``cgi.parse_header``; 3.13
  removed the module (arskom/spyne#712). The ``legacy-cgi`` distribution, a dependency on 3.13, brings it back.

:class:`SixMovesFinder` serves the vendored importer's modules through the spec API (``find_spec`` /
``create_module`` / ``exec_module``), which every supported Python calls, and then takes its place on
``sys.meta_path``. spyne's own files are left exactly as released.

Everything else imports spyne's names from here, never from ``spyne`` itself.
"""
from __future__ import annotations

import importlib.util
import sys
import warnings
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Sequence

_SIX = "spyne.util.six"
_MOVES = f"{_SIX}.moves"


class SixMovesFinder(MetaPathFinder, Loader):
    """A spec-based front for spyne's vendored ``six.moves`` importer (``spyne.util.six._importer``).

    The vendored importer still resolves the names (lazily, as six does); this class only answers the questions
    the import system has asked since Python 3.4, and exclusively since 3.12.
    """

    def __init__(self) -> None:
        self._real_specs: dict[str, ModuleSpec | None] = {}

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname != _MOVES and not fullname.startswith(_MOVES + "."):
            return None
        importer = _vendored_importer()
        if importer is None or fullname not in importer.known_modules:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=importer.is_package(fullname))

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        module = _vendored_importer().load_module(spec.name)
        # A moved module (``moves.http_cookies``) resolves to the real one (``http.cookies``), whose __spec__ the
        # import system is about to overwrite with ours: keep the real one for exec_module to put back.
        self._real_specs[spec.name] = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module: ModuleType) -> None:
        real = self._real_specs.pop(module.__spec__.name, None)
        if real is not None and real.name != module.__spec__.name:
            module.__spec__ = real


def _vendored_importer() -> Any:
    return getattr(sys.modules.get(_SIX), "_importer", None)


sys.meta_path.insert(0, SixMovesFinder())
with warnings.catch_warnings():
    # What importing spyne raises on the supported versions, and only that:
    # on 3.11 every module that no other finder has asks the vendored importer, which lacks find_spec();
    warnings.filterwarnings("ignore", r"_SixMetaPathImporter\.find_spec\(\) not found", ImportWarning)
    # 3.11 and 3.12 deprecate the stdlib cgi module (3.13 gets it from legacy-cgi, which does not warn).
    warnings.filterwarnings("ignore", r"'cgi' is deprecated", DeprecationWarning)
    # compiling spyne's sources where pip left no .pyc (spyne.protocol.http has a regex like '[^\.]'): a
    # DeprecationWarning on 3.11, a SyntaxWarning since 3.12, attributed to the file being compiled
    for category in (DeprecationWarning, SyntaxWarning):
        warnings.filterwarnings("ignore", r"invalid escape sequence", category, r".*[/\\]spyne[/\\]")
    from spyne import AnyXml, Application, ServiceBase, rpc
    from spyne.model.fault import Fault
    from spyne.protocol.soap import Soap11
    from spyne.server.wsgi import WsgiApplication

if _vendored_importer() in sys.meta_path:  # the finder serves its modules now: no later import asks it again
    sys.meta_path.remove(_vendored_importer())

__all__ = ["AnyXml", "Application", "Fault", "ServiceBase", "SixMovesFinder", "Soap11", "WsgiApplication", "rpc"]
