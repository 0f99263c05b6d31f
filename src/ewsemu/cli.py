"""``ewsemu serve | load-fixtures``."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from . import fixtures
from .limits import Limits, parse_size
from .operations.context import Emulator, Settings
from .users import UserDirectory, UsersFileError, load_users

DEFAULT_DATABASE = "sqlite:///./ewsemu.db"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(database=args.database, lenient_namespaces=getattr(args, "lenient_namespaces", False),
                    strict=getattr(args, "strict", False), seed=getattr(args, "seed", None),
                    users=_users(args), limits=_limits(args))


def _users(args: argparse.Namespace) -> UserDirectory | None:
    path = getattr(args, "users", None)
    return load_users(Path(path)) if path else None


def _limits(args: argparse.Namespace) -> Limits:
    names = ("max_request_bytes", "max_depth", "max_items", "max_string_length")
    return Limits(**{name: getattr(args, name) for name in names if getattr(args, name, None) is not None})


def _positive(parse):  # noqa: ANN001, ANN202 - an argparse type
    def convert(text: str) -> int:
        try:
            value = parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
        return value

    return convert


def _worker_problem(args: argparse.Namespace) -> str | None:
    """Why ``--workers N`` cannot be honoured with these options, if it cannot."""
    if args.workers < 1:
        return "--workers must be at least 1"
    if args.workers == 1:
        return None
    if args.database.startswith("sqlite") and args.database.split("?")[0] in ("sqlite://", "sqlite:///:memory:"):
        return "--workers needs a shared database: each worker would get its own empty in-memory SQLite; " \
               "use a file (sqlite:///./ewsemu.db) or PostgreSQL"
    if getattr(args, "seed", None) is not None:
        return "--seed makes ids deterministic, which needs a single process: drop --seed or use --workers 1"
    return None


def _serve(args: argparse.Namespace) -> int:
    from .server.http import serve_forever, serve_workers

    problem = _worker_problem(args)
    if problem:
        print(f"ewsemu: {problem}", file=sys.stderr)
        return 2
    emulator = Emulator(_settings(args))  # migrates the database to head before any worker starts
    loaded = fixtures.load_files(emulator, [Path(p) for p in args.fixtures])
    log = logging.getLogger("ewsemu")
    if emulator.settings.users is None:
        log.warning("open authentication: any Basic credentials are accepted, the user name is the mailbox and "
                    "every mailbox is open to everyone; use --users FILE to require passwords or tokens")
    else:
        log.info("authentication: %d users from %s", len(emulator.settings.users.users), args.users)
    if loaded:
        log.info("loaded %d fixture items", loaded)

    def ready(url: str) -> None:
        workers = f", {args.workers} workers" if args.workers > 1 else ""
        print(f"ewsemu serving EWS at {url} (database {args.database}{workers})", flush=True)
        print(f"WSDL: {url.rsplit('/', 1)[0]}/Services.wsdl", flush=True)

    if args.workers > 1:
        emulator.close()  # no pool may cross the fork: every worker opens its own

        def worker_app():  # noqa: ANN202 - a WSGI app
            from .server.wsgi import make_app

            return make_app(Emulator(_settings(args)))

        try:
            serve_workers(worker_app, args.host, args.port, args.workers, threads=args.threads, ready=ready)
        finally:  # gunicorn's master leaves through SystemExit
            print("ewsemu stopped", flush=True)
        return 0

    def _stop(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
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
    serve.add_argument("--users", metavar="FILE", default=None,
                       help="YAML users file: passwords, bearer tokens, impersonation rights (default: open)")
    serve.add_argument("--max-request-size", dest="max_request_bytes", type=_positive(parse_size), default=None,
                       metavar="SIZE", help="largest request body, e.g. 32M (default 32M); larger gets HTTP 413")
    serve.add_argument("--max-depth", type=_positive(int), default=None, metavar="N",
                       help="deepest element nesting of a request (default 64)")
    serve.add_argument("--max-items", type=_positive(int), default=None, metavar="N",
                       help="most entries in one batch element, e.g. ItemChanges (default 10000)")
    serve.add_argument("--max-string-length", type=_positive(int), default=None, metavar="N",
                       help="longest text or attribute value in characters (default 1048576)")
    serve.add_argument("--threads", type=int, default=8, help="request threads per process (default %(default)s)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes sharing the database (gunicorn; default %(default)s); needs a file "
                            "SQLite database or PostgreSQL")
    serve.set_defaults(func=_serve)
    load = sub.add_parser("load-fixtures", help="load fixture files into a database")
    load.add_argument("files", nargs="+")
    load.add_argument("--database", default=DEFAULT_DATABASE)
    load.set_defaults(func=_load_fixtures)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return args.func(args)
    except (fixtures.FixtureError, UsersFileError) as err:
        print(f"ewsemu: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
