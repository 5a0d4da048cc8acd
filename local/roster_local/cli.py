"""The `roster` command: its parser and dispatch only. `roster local run` (run/) and `roster local serve`
(serve/) run Roster on this machine; the administrators' commands (admin/) talk to it or to AWS."""

from __future__ import annotations

import argparse
import logging
import sys

from roster_local.admin.commands import add_administrator_commands, run_administrator_command
from roster_local.run.command import add_run_command, local_run
from roster_local.serve.command import add_serve_command, local_serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roster", description="Roster: bulk user accounts from CSV files.")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="run Roster on this machine (embedded AWS stand-in)")
    local_commands = local.add_subparsers(dest="local_command", required=True)
    add_run_command(local_commands)
    add_serve_command(local_commands)
    add_administrator_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _show_stand_in_warnings()
    # moto's state machine interpreter logs every failed task with its whole parse tree; the
    # handler errors themselves are logged by the Lambda stand-in, and retries are expected.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    if args.command == "local" and args.local_command == "serve":
        return local_serve(args)
    if args.command == "local":
        return local_run(args)
    return run_administrator_command(args)


def _show_stand_in_warnings() -> None:
    """Send the stand-in's own warnings (a handler's exception, a dropped event) to stderr.

    Powertools' Logger, named after the service ("roster"), filters the root handler's records
    whose logger name contains that name, roster_local's among them: the stand-in's loggers get a
    handler of their own instead of passing through the root's."""
    stand_in = logging.getLogger("roster_local")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    stand_in.addHandler(handler)
    stand_in.propagate = False


if __name__ == "__main__":
    sys.exit(main())
