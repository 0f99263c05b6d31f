"""tests/captures/ holds what exchangelib 5.6.0 sends to this ewsemu and what it answers: a fresh recording by
tests/captures/regenerate.py must give the committed files byte for byte (ids, ChangeKeys and times are seeded and
frozen). The script runs in its own process, so exchangelib's global state (the transport adapter, a registered
extended property, cached protocols) cannot leak into other tests."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_captures_are_what_exchangelib_sends_to_this_ewsemu() -> None:
    result = subprocess.run([sys.executable, "-m", "tests.captures.regenerate", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}\ntests/captures/ is stale: run `.venv/bin/python -m tests.captures.regenerate`"
        " and review the diff")
