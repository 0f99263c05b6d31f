"""``ewsemu serve | load-fixtures | coverage | replay``."""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import signal
import sys
from pathlib import Path

from . import __version__
from .double import fixtures
from .core.clock import Clock, apply_spec
from .core.folder_names import LANGUAGES, language_of
from .core.limits import Limits, parse_size
from .core.push_targets import parse_allowed
from .emulator import Emulator, Settings
from .core.users import UserDirectory, UsersFileError, load_users

DEFAULT_DATABASE = "sqlite:///./ewsemu.db"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(database=args.database, lenient_namespaces=getattr(args, "lenient_namespaces", False),
                    strict=getattr(args, "strict", False), seed=getattr(args, "seed", None),
                    users=_users(args), limits=_limits(args), clock=getattr(args, "clock", None),
                    control_plane=not getattr(args, "no_control_plane", False),
                    ledger_size=getattr(args, "ledger_size", 1000),
                    mailbox_language=getattr(args, "mailbox_language", None) or "en-US",
                    max_subscriptions=getattr(args, "max_subscriptions", 20),
                    delivery_delay=getattr(args, "delivery_delay", 0.0),
                    push_allow=tuple(getattr(args, "push_allow", None) or ()),
                    stream_keepalive=getattr(args, "stream_keepalive", 30.0))


def _keepalive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 30:
        raise argparse.ArgumentTypeError(f"must be from 1 to 30 seconds: {text!r}")
    return value


def _clock_spec(text: str) -> str:
    try:
        apply_spec(Clock(), text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _mailbox_language(text: str) -> str:
    if language_of(text) is None:
        known = ", ".join(sorted(LANGUAGES))
        raise argparse.ArgumentTypeError(f"no folder names for {text!r}: use one of {known} (e.g. da-DK)")
    return text


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative: {text!r}")
    return value


def _push_allowed(text: str) -> str:
    try:
        return parse_allowed(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


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


def _tls(args: argparse.Namespace):  # noqa: ANN202 - TlsFiles | None, imported lazily
    """``--tls`` (a generated certificate) or ``--tls-cert/--tls-key`` (the user's own), else None."""
    from .server import tls

    if args.tls_cert:
        return tls.user_files(args.tls_cert, args.tls_key)
    if not args.tls:
        return None
    directory = Path(args.tls_dir) if args.tls_dir else tls.state_dir(args.database)
    return tls.generate(directory, tls.server_names(args.host, tuple(args.tls_name)))


def _forget_server_key(tls_files) -> None:  # noqa: ANN001 - TlsFiles | None
    """A generated server certificate and key live in a private temporary directory for one run."""
    if tls_files is not None and tls_files.ca is not None and tls_files.cert.parent.name.startswith("ewsemu-tls-"):
        shutil.rmtree(tls_files.cert.parent, ignore_errors=True)


def _serve(args: argparse.Namespace) -> int:
    from .server.http import serve_forever
    from .server.prefork import serve_workers
    from .server.tls import TlsError

    problem = _worker_problem(args)
    if problem:
        print(f"ewsemu: {problem}", file=sys.stderr)
        return 2
    if args.tls_key and not args.tls_cert:
        print("ewsemu: --tls-key needs --tls-cert", file=sys.stderr)
        return 2
    try:
        tls_files = _tls(args)
    except (TlsError, OSError) as err:
        print(f"ewsemu: {err}", file=sys.stderr)
        return 2
    # migrates the database to head before any worker starts, and starts the run: no fault rules, an empty
    # ledger, the clock as --clock says (the workers join that state)
    emulator = Emulator(_settings(args))
    loaded = fixtures.load_files(emulator, [Path(p) for p in args.fixtures])
    log = logging.getLogger("ewsemu")
    if emulator.settings.users is None:
        log.warning("open authentication: any Basic credentials (the user name is the mailbox) or a bearer token "
                    "that is an SMTP address are accepted, on EWS and REST alike, and every mailbox is open to "
                    "everyone; use --users FILE to require passwords or tokens")
    else:
        log.info("authentication: %d users from %s", len(emulator.settings.users.users), args.users)
    if loaded:
        log.info("loaded %d fixture items", loaded)

    def ready(url: str) -> None:
        workers = f", {args.workers} workers" if args.workers > 1 else ""
        print(f"ewsemu serving EWS at {url} (database {args.database}{workers})", flush=True)
        print(f"WSDL: {url.rsplit('/', 1)[0]}/Services.wsdl", flush=True)
        if not args.no_control_plane:
            print(f"Dashboard: {url.rsplit('/EWS/', 1)[0]}/_ewsemu/ui (control plane: /_ewsemu/)", flush=True)
        print(f"Autodiscover: {url.rsplit('/EWS/', 1)[0]}/autodiscover/autodiscover.svc (SOAP), "
              f"/autodiscover/autodiscover.xml (POX)", flush=True)
        if tls_files is not None and tls_files.ca is not None:
            print(f"TLS CA: {tls_files.ca} (also at {url.rsplit('/EWS/', 1)[0]}/_ewsemu/ca.pem; "
                  f"e.g. REQUESTS_CA_BUNDLE={tls_files.ca})", flush=True)

    if args.workers > 1:
        emulator.close()  # no pool may cross the fork: every worker opens its own
        def worker_app():  # noqa: ANN202 - a WSGI app
            from .server.wsgi import make_app

            worker = Emulator(_settings(args), join=True)
            worker.start_push_delivery()
            return make_app(worker, ca_pem=tls_files.ca_pem() if tls_files else None)

        try:
            serve_workers(worker_app, args.host, args.port, args.workers, threads=args.threads, ready=ready,
                          tls=tls_files)
        finally:
            _forget_server_key(tls_files)
            print("ewsemu stopped", flush=True)
        return 0

    def _stop(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        serve_forever(emulator, args.host, args.port, threads=args.threads, ready=ready, tls=tls_files)
    except KeyboardInterrupt:
        print("ewsemu stopped", flush=True)
    finally:
        emulator.close()
        _forget_server_key(tls_files)
    return 0


def _load_fixtures(args: argparse.Namespace) -> int:
    emulator = Emulator(_settings(args), join=True)  # a server may be running on this database: leave its state
    count = fixtures.load_files(emulator, [Path(p) for p in args.files])
    emulator.close()
    print(f"loaded {count} items into {args.database}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from .double import coverage

    if args.markdown:
        sys.stdout.write(coverage.as_markdown())
    elif args.json:
        sys.stdout.write(json.dumps(coverage.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(coverage.as_text())
    return 0


def _replay(args: argparse.Namespace) -> int:
    from .double import replay

    try:
        return replay.main(Path(args.session), args.url, Path(args.users) if args.users else None, args.password,
                           args.strict_times)
    except replay.SessionError as err:
        print(f"ewsemu: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"ewsemu: cannot reach {args.url}: {err}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ewsemu", description="Exchange Web Services emulator")
    parser.add_argument("--version", action="version", version=f"ewsemu {__version__}")
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
                       help="worker processes sharing the database and the port (default %(default)s); needs a file "
                            "SQLite database or PostgreSQL")
    serve.add_argument("--clock", type=_clock_spec, default=None, metavar="SPEC",
                       help="the emulator's clock: frozen:2026-01-13T09:00:00Z, frozen, offset:+3d or real "
                            "(default real); change it at run time with POST /_ewsemu/clock")
    serve.add_argument("--no-control-plane", action="store_true",
                       help="do not serve the test-double control plane and dashboard under /_ewsemu/")
    serve.add_argument("--stream-keepalive", type=_keepalive, default=30.0, metavar="SECONDS",
                       help="seconds an idle GetStreamingEvents connection waits before it sends a keep-alive "
                            "(ConnectionStatus OK); 1 to 30 (default %(default)s)")
    serve.add_argument("--ledger-size", type=_non_negative, default=1000, metavar="N",
                       help="requests the request ledger keeps (default %(default)s; 0 turns it off)")
    serve.add_argument("--mailbox-language", type=_mailbox_language, default="en-US", metavar="CULTURE",
                       help="the language new mailboxes' default folders are named in when the first request "
                            "sends no MailboxCulture (exchangelib never does), e.g. da-DK (default %(default)s)")
    serve.add_argument("--max-subscriptions", type=_positive(int), default=20, metavar="N",
                       help="live notification subscriptions per user (Exchange's EWSMaxSubscriptions; default "
                            "%(default)s); one more is ErrorExceededSubscriptionCount")
    serve.add_argument("--delivery-delay", type=float, default=0.0, metavar="SECONDS",
                       help="seconds a sent message takes to reach a local recipient's Inbox, as Exchange's "
                            "transport delivers after the send returns (default %(default)s: in the sending "
                            "transaction)")
    serve.add_argument("--push-allow", action="append", type=_push_allowed, default=[], metavar="HOST_OR_CIDR",
                       help="a push-notification target beyond the loopback addresses that ewsemu may POST to: a "
                            "host name, IP address or CIDR network (repeatable); others are refused at delivery")
    serve.add_argument("--tls", action="store_true",
                       help="serve HTTPS with a certificate for localhost/127.0.0.1 from ewsemu's own CA, kept "
                            "beside the database (else in ~/.local/state/ewsemu); its path is printed")
    serve.add_argument("--tls-cert", metavar="FILE", default=None,
                       help="serve HTTPS with this certificate (chain) instead of a generated one")
    serve.add_argument("--tls-key", metavar="FILE", default=None,
                       help="the private key of --tls-cert (default: inside the --tls-cert file)")
    serve.add_argument("--tls-name", action="append", default=[], metavar="NAME",
                       help="another name for the generated certificate, e.g. autodiscover.example.com "
                            "(repeatable)")
    serve.add_argument("--tls-dir", metavar="DIR", default=None,
                       help="where --tls keeps its CA (default: beside the database)")
    serve.set_defaults(func=_serve)
    load = sub.add_parser("load-fixtures", help="load fixture files into a database")
    load.add_argument("files", nargs="+")
    load.add_argument("--database", default=DEFAULT_DATABASE)
    load.set_defaults(func=_load_fixtures)
    cov = sub.add_parser("coverage", help="list every EWS operation as implemented, partial or missing")
    form = cov.add_mutually_exclusive_group()
    form.add_argument("--markdown", action="store_true", help="COVERAGE.md (ewsemu coverage --markdown > COVERAGE.md)")
    form.add_argument("--json", action="store_true", help="the JSON that GET /_ewsemu/coverage serves")
    cov.set_defaults(func=_coverage)
    rep = sub.add_parser("replay", help="re-send a recorded session (GET /_ewsemu/ledger/session) and diff the "
                                        "answers; exit 1 on any difference")
    rep.add_argument("session", metavar="FILE")
    rep.add_argument("--url", required=True, help="the server to replay against (its root or EWS URL)")
    rep.add_argument("--users", metavar="FILE", default=None,
                     help="users file to take each recorded user's password or token from")
    rep.add_argument("--password", default="ewsemu",
                     help="Basic password for users not in --users (default %(default)s: any works on an open server)")
    rep.add_argument("--strict-times", action="store_true",
                     help="compare the server's timestamps too (both servers on the same frozen --clock)")
    rep.set_defaults(func=_replay)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return args.func(args)
    except (fixtures.FixtureError, UsersFileError) as err:
        print(f"ewsemu: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
