"""The process heap at start: frozen out of the cyclic garbage collector's way.

Everything built before a server accepts its first connection — the modules, spyne's application, the compiled
schema, the prepared statements, the field registry — lives as long as the process. Left in the collector's
oldest generation, every full collection walks all of it again: measured with 500 open streams and a write every
few milliseconds, a full pass came about once a second and held every thread (the GIL) for 70–100 ms, which was
the whole tail of GetStreamingEvents delivery and of ordinary requests alike. :func:`settle` collects what start-up
left over and moves the rest to the permanent generation (``gc.freeze``), so a full pass walks only what requests
have made since. Before ``fork`` it also keeps the workers' shared pages from being written by the collector.
"""
from __future__ import annotations

import gc


def settle() -> None:
    """Call once, just before serving: collect start-up's garbage, freeze the survivors."""
    gc.collect()
    gc.freeze()
