"""The `lotse` command: one subcommand per service and maintenance task."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence

from lotse.shared.config import ConfigError, Settings, load_settings, unknown_variables, weak_settings
from lotse.shared.dependencies import DependencyError
from lotse.shared.logs import configure_logging


def _settings(service: str, *, serves: bool = True) -> Settings:
    """Settings for ``service``, warnings logged once. ``serves`` False (``migrate``, ``dead-letters``):
    a command that signs no link and sends no email needs no secret and is not warned about addresses."""
    try:
        settings = load_settings(needs_secret=serves)
    except ConfigError as exc:
        print(f"lotse {service}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(service, settings.log_level)
    for line in unknown_variables(os.environ) + (weak_settings(settings) if serves else []):
        logging.getLogger("lotse.config").warning(line)
    return settings


def _migrate(args: argparse.Namespace) -> int:
    from lotse.shared.migrate import MigrationLockTimeout, migrate, schema_version

    settings = _settings("migrate", serves=False)
    try:
        applied = asyncio.run(migrate(settings.database_url))
    except MigrationLockTimeout as exc:  # one line and status 1, as a database that is away
        print(f"lotse migrate: {exc}", file=sys.stderr)
        return 1
    print(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    print(f"schema at {asyncio.run(schema_version(settings.database_url))}")
    return 0


def _intake(args: argparse.Namespace) -> int:
    from lotse.intake.main import run

    return run(_settings("intake"))


def _matcher(args: argparse.Namespace) -> int:
    if args.action == "evaluate":
        from lotse.matcher.evaluate import main as evaluate

        return evaluate(_settings("matcher"))
    from lotse.matcher.main import run

    return run(_settings("matcher"))


def _notifier(args: argparse.Namespace) -> int:
    if args.action == "preview":
        from lotse.notifier.preview import preview

        return preview(args.type, args.locale)
    from lotse.notifier.main import run

    return run(_settings("notifier"))


def _create_coordinator(args: argparse.Namespace) -> int:
    from lotse.intake.accounts import create_coordinator_from_cli

    settings = _settings("create-coordinator")
    return asyncio.run(create_coordinator_from_cli(settings, args.email, _read_password(), args.role))


def _read_password() -> str:
    """From a pipe one line, as scripts pass it; at a terminal asked twice and not echoed."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        print("lotse create-coordinator: the two passwords differ; nothing was created", file=sys.stderr)
        raise SystemExit(2)
    return password


def _dev(args: argparse.Namespace) -> int:
    from lotse.shared.dev import run_dev

    return run_dev(demo=not args.no_demo)


def _seed_demo(args: argparse.Namespace) -> int:
    from lotse.intake.demo import seed_demo

    settings = _settings("seed-demo")
    return asyncio.run(seed_demo(settings))


def _mailsink(args: argparse.Namespace) -> int:
    from lotse.shared.mailsink import run_mailsink

    return run_mailsink(args.maildir, args.smtp_port, args.http_port, host=args.host, keep=not args.discard)


def _dead_letters(args: argparse.Namespace) -> int:
    from lotse.shared.dead_letters import run

    if args.action != "list" and not args.queue:
        build_parser().error(f"dead-letters {args.action} needs QUEUE (matcher.events or notifier.events)")
    settings = _settings("dead-letters", serves=False)
    return asyncio.run(run(settings.amqp_url, args.action, args.queue, limit=args.limit, event_id=args.id))


def _reapply_erasures(args: argparse.Namespace) -> int:
    from lotse.intake.reapply_erasures import run

    settings = _settings("reapply-erasures", serves=False)
    return asyncio.run(run(settings.database_url, args.from_url, dry_run=args.dry_run))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lotse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        # The same line as `lotse --help` lists, also on `lotse NAME --help`.
        sub = commands.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
        sub.set_defaults(handler=handler)
        return sub

    add("migrate", _migrate, "apply database migrations (idempotent; needs no LOTSE_SECRET_KEY) and "
        "print the schema version")
    add("intake", _intake, "run the intake web service (forms, API, dashboard) until SIGTERM")
    matcher = add("matcher", _matcher, "run the matcher until SIGTERM, or evaluate its model")
    matcher.add_argument("action", nargs="?", choices=["run", "evaluate"], default="run",
                         help="run (default), or evaluate: print the model's quality on held-out "
                              "decisions per kind of match")
    notifier = add("notifier", _notifier, "run the notifier until SIGTERM, or preview an email")
    notifier.add_argument("action", nargs="?", choices=["run", "preview"], default="run",
                          help="run (default), or preview: print one email of TYPE in LOCALE")
    notifier.add_argument("type", nargs="?", help="notification type (preview)")
    notifier.add_argument("locale", nargs="?", default="en", help="locale (preview)")
    coordinator = add("create-coordinator", _create_coordinator,
                      "create a coordinator account; the password is asked twice at a terminal, "
                      "or read as one line from a pipe")
    coordinator.add_argument("email", help="the coordinator's e-mail address (the login)")
    # admin by default: this is how the first account is made, and admins invite the others.
    coordinator.add_argument("--role", choices=["coordinator", "admin"], default="admin",
                             help="admin (the default: also sees the team and the audit log and invites "
                                  "colleagues) or coordinator")
    dev = add("dev", _dev, "run everything on this machine (infrastructure, services, mail viewer)")
    dev.add_argument("--no-demo", action="store_true", help="do not load demo data")
    add("seed-demo", _seed_demo, "load demo participants and suggestions")
    sink = add("mailsink", _mailsink, "local SMTP server that keeps every message (for dev and tests)")
    sink.add_argument("--maildir", default=".state/mail")
    sink.add_argument("--smtp-port", type=int, default=1025)
    sink.add_argument("--http-port", type=int, default=8025)
    sink.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    sink.add_argument("--discard", action="store_true", help="count messages without storing them (benchmarks)")
    dead = add("dead-letters", _dead_letters, "count, show or replay the messages in the dead-letter queues "
               "(needs only LOTSE_AMQP_URL)")
    dead.add_argument("action", nargs="?", choices=["list", "show", "replay"], default="list")
    dead.add_argument("queue", nargs="?", help="matcher.events or notifier.events (show, replay)")
    dead.add_argument("--limit", type=int, help="at most this many messages (show: 20 unless given)")
    dead.add_argument("--id", help="replay only the message with this event id")
    again = add("reapply-erasures", _reapply_erasures, "after a restore: erase again everyone the replaced "
                "database had erased (run before the services start)")
    again.add_argument("--from", dest="from_url", required=True, metavar="DATABASE_URL",
                       help="the database the restore replaced (postgresql://…/lotse_broken)")
    again.add_argument("--dry-run", action="store_true", help="print whom it would erase; change nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "notifier" and args.action == "preview" and not args.type:
        build_parser().error("notifier preview needs TYPE [LOCALE]")
    try:
        return int(args.handler(args) or 0)
    except DependencyError as exc:  # a wrong password, database or vhost, a server that is away
        print(f"lotse {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
