"""One module per EWS operation, each declaring itself once (``OPERATION``, an :class:`.base.Operation`: name,
coverage status and notes, and its parts). Every module of this package that defines ``OPERATION`` is found
at import time (in module-name order), so adding an operation edits no list here. The dispatch table and the
coverage report (:mod:`ewsemu.double.coverage`, COVERAGE.md) are both derived from :data:`REGISTRY`, so they cannot
drift apart.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType
from typing import Mapping

from .base import Handler, Operation


def _declared() -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        declared = getattr(importlib.import_module(f"{__name__}.{module_info.name}"), "OPERATION", None)
        if declared is None:
            continue
        if not isinstance(declared, Operation):
            raise TypeError(f"{module_info.name}.OPERATION is not an Operation")
        if declared.name in found:
            raise ValueError(f"{declared.name} is declared twice (again in {module_info.name})")
        found[declared.name] = declared
    return found


#: every operation ewsemu serves, by its EWS name (the body element's local name)
REGISTRY: Mapping[str, Operation] = MappingProxyType(_declared())

#: the dispatch table the SOAP service is built from
OPERATIONS: Mapping[str, Handler] = MappingProxyType({name: op.handle for name, op in REGISTRY.items()})
