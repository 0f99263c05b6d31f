"""``ewsemu serve | load-fixtures``."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from . import fixtures
from .operations.context import Emulator, Settings

DEFAULT_DATABASE = "sqlite:///./ewsemu.db"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(database=args.database, lenient_namespaces=getattr(args, "lenient_namespaces", False),
                    strict=getattr(args, "strict", False), seed=getattr(args, "seed", None))


def _serve(args: argparse.Namespace) -> int:
    from .server.http import serve_forever

    emulator = Emulator(_settings(args))
    loaded = fixtures.load_files(emulator, [Path(p) for p in args.fixtures])
    log = logging.getLogger("ewsemu")
    log.warning("open authentication: any Basic credentials are accepted; the user name is the mailbox")
    if loaded:
        log.info("loaded %d fixture items", loaded)

    def _stop(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)

    def ready(url: str) -> None:
        print(f"ewsemu serving EWS at {url} (database {args.database})", flush=True)
        print(f"WSDL: {url.rsplit('/', 1)[0]}/Services.wsdl", flush=True)

    try:
        serve_forever(emulator, args.host, args.port, threads=args.threads, ready=ready)
    except KeyboardInterrupt:
        print("ewsemu stopped", flush=True)
    finally:
        emulator.close()
    return 0


def _load_fixtures(args: argparse.Namespace) -> int:
    emulator = Emulator(_settings(args))
    count = fixtures.load_files(emulator, [Path(p) for p in args.files])
    emulator.close()
    print(f"loaded {count} items into {args.database}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ewsemu", description="Exchange Web Services emulator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve EWS over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--database", default=DEFAULT_DATABASE, help="SQLAlchemy URL (default %(default)s)")
    serve.add_argument("--fixtures", action="append", default=[], metavar="PATH",
                       help="JSON or YAML fixture file to load at start-up (repeatable)")
    serve.add_argument("--lenient-namespaces", action="store_true",
                       help="accept the https:// namespace spellings of some documentation pages (D20)")
    serve.add_argument("--strict", action="store_true",
                       help="require ChangeKey and ConflictResolution on UpdateItem (D1/D2 strict variants)")
    serve.add_argument("--seed", type=int, default=None, help="deterministic ids")
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=_serve)
    load = sub.add_parser("load-fixtures", help="load fixture files into a database")
    load.add_argument("files", nargs="+")
    load.add_argument("--database", default=DEFAULT_DATABASE)
    load.set_defaults(func=_load_fixtures)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return args.func(args)
    except fixtures.FixtureError as err:
        print(f"ewsemu: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
