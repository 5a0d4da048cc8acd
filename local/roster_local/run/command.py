"""`roster local run`: upload files as an administrator through the embedded stack and write what
comes back (docs/local-run.md)."""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

EXIT_BAD_ARGUMENTS = 2
EXIT_PIPELINE_BROKE = 1
# What the directory file accepts as an administrator's address.
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def add_run_command(local_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`roster local run FILE...` and its options."""
    run = local_commands.add_parser("run", help="upload FILEs as an administrator and write what comes back")
    run.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV files, one upload each, in order")
    run.add_argument("--directory", required=True, type=Path, help="directory file (JSON) loaded before the uploads")
    run.add_argument("--admin", required=True, help="the uploading administrator's email address")
    run.add_argument("--out", required=True, type=Path, help="folder for job.json, reports, results and emails")
    run.add_argument("--validate-only", action="store_true", help="validate and email the report; create nothing")
    run.add_argument("--parallel", action="store_true", help="upload every FILE at once")
    run.add_argument("--chaos", default="", metavar="SPEC",
                     help="make invocations fail: FUNCTION:WHEN:RATE[,...], e.g. create:after:0.2")
    run.add_argument("--seed", type=int, default=None, help="seed for --chaos, to repeat a run")
    run.add_argument("--approve-as", default=None, metavar="EMAIL",
                     help="approve every upload that waits for approval as this administrator")
    run.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="override a template.yaml parameter, as `sam deploy --parameter-overrides` does")


def local_run(args: argparse.Namespace) -> int:
    # Imported here: `roster --help` should not pay for starting moto.
    from roster.model.uploads import utc_now
    from roster_local.admin.directory_file import DirectoryFileError, load_directory_file, load_into
    from roster_local.run.local_run import LocalRun, PipelineError
    from roster_local.stack.embedded_stack import EmbeddedStack
    from roster_local.stack.iam_guard import AccessDeniedInRun
    from roster_local.stack.lambdas import parse_chaos

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        return _refuse(f"no such file: {', '.join(missing)}")
    if args.out.exists() and not args.out.is_dir():
        return _refuse(f"--out {args.out} is a file; name a folder (it is created if missing)")
    if not ADDRESS.fullmatch(args.admin):
        return _refuse(f"--admin '{args.admin}' is not an email address; give the uploading administrator's "
                       "address, e.g. admin@example.nhs.net")
    try:
        chaos = parse_chaos(args.chaos)
        directory = load_directory_file(args.directory)
        overrides = dict(_name_value(p) for p in args.parameter)
    except (ValueError, DirectoryFileError) as exc:
        return _refuse(str(exc))
    try:
        with EmbeddedStack(parameters=overrides, chaos=chaos, seed=args.seed) as stack:
            lowered = stack.below_template_default("PasswordHashCost")
            if lowered:
                print(f"roster: passwords are hashed at PasswordHashCost={lowered[0]} on this machine, below the "
                      f"template's default {lowered[1]} (see the README); --parameter PasswordHashCost="
                      f"{lowered[1]} hashes them as deployed", file=sys.stderr)
            from roster.adapters.directory_store import DirectoryStore
            from roster.settings import get_settings

            load_into(DirectoryStore(stack.client("dynamodb"), get_settings().directory_table), directory, utc_now())
            run = LocalRun(stack, args.admin, args.out, validate_only=args.validate_only)
            results = run.run(list(args.files), parallel=args.parallel, approve_as=args.approve_as)
            stats = stack.lambdas.stats
    except ValueError as exc:  # a template parameter that does not exist or has no value
        return _refuse(str(exc))
    except PipelineError as exc:
        print(f"roster: the pipeline broke: {exc}", file=sys.stderr)
        return EXIT_PIPELINE_BROKE
    except AccessDeniedInRun as exc:  # docs/deploy.md, "What is verified offline"
        print(f"roster: the pipeline broke: {exc}", file=sys.stderr)
        return EXIT_PIPELINE_BROKE
    for result in results:
        counts = result.upload.counts
        print(f"{result.folder}: {result.upload.state.value} ({result.upload.format or 'no format'}) "
              + ", ".join(f"{name} {counts[name]}" for name in counts))
    print("handlers: " + ", ".join(
        f"{kind} {stats.invocations.get(kind, 0)} invocations {stats.handler_seconds.get(kind, 0.0):.2f} s"
        for kind in ("validate", "create", "notify")))
    print(f"phases: {run.phases.line()}")
    if chaos:
        injected = Counter(stats.injected)
        print("chaos: injected " + (", ".join(f"{k} {v}" for k, v in sorted(injected.items())) or "nothing"))
    print(f"mailbox report: {args.out / 'mailbox-report.csv'}")
    return 0


def _name_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--parameter '{text}' must be NAME=VALUE")
    return name, value


def _refuse(message: str) -> int:
    print(f"roster: {message}", file=sys.stderr)
    return EXIT_BAD_ARGUMENTS
