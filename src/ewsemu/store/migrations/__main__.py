"""``python -m ewsemu.store.migrations revision "message"``: autogenerate the next revision.

It migrates a scratch SQLite database to head, compares it with ``schema.metadata`` and writes
``versions/NNNN_message.py`` (sequential ids). Review the file: Alembic cannot tell a rename from a
drop-and-add, and data moves (a new column filled from an old one) are written by hand.
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from . import LOCATION, config, upgrade
from ..engine import make_engine


def _next_id() -> str:
    numbers = [int(m.group(1)) for p in (LOCATION / "versions").glob("*.py")
               if (m := re.match(r"(\d{4})_", p.name))]
    return f"{max(numbers, default=0) + 1:04d}"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "revision":
        print('usage: python -m ewsemu.store.migrations revision "message"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'head.db'}")
        with engine.connect() as conn:
            with conn.begin():
                upgrade(conn)
            cfg = config()
            cfg.attributes["connection"] = conn
            script = command.revision(cfg, message=argv[1], autogenerate=True, rev_id=_next_id())
        engine.dispose()
    print(f"wrote {script.path}" if script is not None and not isinstance(script, list) else "wrote revisions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
