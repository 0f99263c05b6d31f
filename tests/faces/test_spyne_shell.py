"""spyne on every supported Python through ewsemu.server.spyne_shell, the one module that imports it."""
from __future__ import annotations

import http.cookies
import os
import re
import subprocess
import sys
from pathlib import Path

from ewsemu.server import spyne_shell

SRC = Path(__file__).resolve().parents[2] / "src" / "ewsemu"
IMPORTS_SPYNE = re.compile(r"^\s*(from\s+spyne[\s.]|import\s+spyne\b)", re.M)


def test_only_spyne_shell_imports_spyne() -> None:
    importers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if IMPORTS_SPYNE.search(p.read_text()))
    assert importers == ["server/spyne_shell.py"]


def test_the_vendored_six_moves_resolve_through_the_spec_finder() -> None:
    import collections.abc

    from spyne.util import six as vendored_six
    from spyne.util.six.moves import collections_abc, http_cookies
    from spyne.util.six.moves.urllib.parse import quote

    assert collections_abc is collections.abc and http_cookies is http.cookies
    assert quote("a b") == "a%20b"
    # the real module keeps its own spec, and the legacy importer is off sys.meta_path
    assert http.cookies.__spec__.name == "http.cookies"
    assert [f for f in sys.meta_path if isinstance(f, spyne_shell.SixMovesFinder)]
    assert vendored_six._importer not in sys.meta_path  # (the real six package's own importer may well be there)


def test_spyne_imports_without_any_warning_even_compiled_from_source(tmp_path: Path) -> None:
    """A fresh interpreter with every warning an error and an empty bytecode cache, so spyne's sources are compiled
    now: pip's .pyc files hide compile-time warnings such as 3.12's SyntaxWarning for an invalid escape. (The
    suite's own ``filterwarnings = error`` already covers the import with those .pyc files.)"""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONWARNINGS": "error"}
    done = subprocess.run([sys.executable, "-c", "import ewsemu.server.spyne_shell"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
