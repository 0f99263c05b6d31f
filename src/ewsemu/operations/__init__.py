"""One module per EWS operation, each declaring itself once (``OPERATION``, an :class:`.base.Operation`: name,
handler, coverage status and notes). The dispatch table and the coverage report (:mod:`ewsemu.double.coverage`,
COVERAGE.md) are both derived from :data:`REGISTRY`, so they cannot drift apart.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from . import convert_id, create_item, delete_item, find_folder, find_item, get_folder, get_item, update_item
from .base import Handler, Operation

#: every operation ewsemu serves, by its EWS name (the body element's local name)
REGISTRY: Mapping[str, Operation] = MappingProxyType({
    module.OPERATION.name: module.OPERATION
    for module in (update_item, create_item, get_item, delete_item, find_item, get_folder, find_folder, convert_id)
})

#: the dispatch table the SOAP service is built from
OPERATIONS: Mapping[str, Handler] = MappingProxyType({name: op.handle for name, op in REGISTRY.items()})
