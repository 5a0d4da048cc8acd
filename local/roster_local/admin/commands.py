"""An administrator's commands (docs/api.md#command-line), against AWS and `roster local serve` alike.

Every command takes --url (or ROSTER_URL, or the URL of the last sign-in) and --json.
Exit status: 0 COMPLETED or VALIDATED (or nothing to wait for), 3 INVALID, 4 FAILED,
2 wrong arguments, 1 anything else, always with a one-line message."""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from rich.console import Console
from rich.table import Table

from roster_local.admin import directory_load, scim_commands, undo_command
from roster_local.admin.api_client import RosterApi
from roster_local.admin.progress import wait_for
from roster_local.admin.session import (
    BadArguments,
    CognitoSignIn,
    CommandFailed,
    Sessions,
    fetch_config,
    normalised_url,
    stored_session,
)
from roster_local.admin.upload_ids import resolve_upload_id
from roster_local.admin.views import csv_table, describe, planned_counts

EXIT_BY_STATE = {"COMPLETED": 0, "VALIDATED": 0, "INVALID": 3, "FAILED": 4}
# Where plain http may carry a password: roster local serve on this machine.
_THIS_MACHINE = frozenset({"127.0.0.1", "localhost", "::1"})
EXIT_BAD_ARGUMENTS, EXIT_OTHER = 2, 1


def add_administrator_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=None, help="the stack's API address (default: ROSTER_URL, or the last "
                                                    "sign-in's)")
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    login = commands.add_parser("login", parents=[common], help="sign in (password from ROSTER_PASSWORD or a prompt)")
    login.add_argument("--email", required=True)
    commands.add_parser("logout", parents=[common], help="sign out: revoke this URL's session and forget it")
    sample = commands.add_parser("sample", parents=[common], help="the sample file")
    sample.add_argument("--legacy", action="store_true", help="the NHSmail 1 format")
    sample.add_argument("--xlsx", action="store_true",
                        help="as an Excel workbook, every column formatted as text")
    sample.add_argument("-o", "--output", type=Path)
    upload = commands.add_parser("upload", parents=[common], help="upload a CSV file")
    upload.add_argument("file", type=Path, metavar="FILE")
    upload.add_argument("--validate-only", action="store_true", help="check the file, create nothing")
    _waiting(upload)
    apply = commands.add_parser("apply", parents=[common], help="apply a validated upload without sending it again")
    apply.add_argument("upload_id", metavar="UPLOAD_ID")
    _waiting(apply)
    uploads = commands.add_parser("uploads", parents=[common], help="your uploads and your organisations'")
    uploads.add_argument("--limit", type=int, default=25)
    uploads.add_argument("--cursor", default=None, help="the next page, as the last page said")
    status = commands.add_parser("status", parents=[common], help="one upload's state, counts and findings")
    status.add_argument("upload_id", metavar="UPLOAD_ID")
    for name, what in (("approve", "approve an upload waiting for approval (docs/approval-and-plan.md#approval)"),
                       ("cancel", "cancel an upload waiting for approval")):
        decide = commands.add_parser(name, parents=[common], help=what)
        decide.add_argument("upload_id", metavar="UPLOAD_ID")
    for name, what in (("validation", "its validation report"), ("plan", "what each row will do (its plan)"),
                       ("results", "its results file (yours only)"),
                       ("changes", "what it changed (changes.csv), for its organisations' administrators")):
        download = commands.add_parser(name, parents=[common], help=what)
        download.add_argument("upload_id", metavar="UPLOAD_ID")
        download.add_argument("-o", "--output", type=Path)
    report = commands.add_parser("report", parents=[common], help="an organisation's accounts, ready to edit and "
                                                                  "upload back")
    report.add_argument("--ods", required=True)
    report.add_argument("-o", "--output", type=Path)
    history = commands.add_parser("history", parents=[common], help="every recorded change to one account, newest "
                                                                    "first")
    history.add_argument("email", metavar="EMAIL")
    scim_commands.add_command(commands, common)
    undo_command.add_command(commands, common)
    directory_load.add_command(commands)


def _waiting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true", help="show progress until the upload ends")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds --wait waits at most")


def run_administrator_command(args: argparse.Namespace) -> int:
    handlers = {"login": login, "logout": logout, "sample": sample, "upload": upload, "apply": apply,
                "uploads": uploads,
                "status": status, "validation": validation, "plan": plan, "approve": approve, "cancel": cancel,
                "results": results, "report": report, "changes": changes, "history": history,
                "undo": lambda arguments: undo_command.run(arguments, _api(arguments)),
                "directory": directory_load.run, "scim": _scim}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("roster: interrupted; nothing more was sent", file=sys.stderr)
        return EXIT_OTHER
    except BadArguments as exc:
        print(f"roster: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    except CommandFailed as exc:
        print(f"roster: {exc}", file=sys.stderr)
        return EXIT_OTHER


# -- commands ------------------------------------------------------------------------------
def login(args: argparse.Namespace) -> int:
    url = _url(args)
    password = os.environ.get("ROSTER_PASSWORD")
    if not password and not sys.stdin.isatty():
        raise BadArguments(f"no password for {args.email}: run roster login in a terminal to type it, or set "
                           "ROSTER_PASSWORD for a script")
    config = fetch_config(url)
    password = password or getpass.getpass(f"Password for {args.email}: ")
    tokens = CognitoSignIn(config).password(args.email.strip().lower(), password, _ask)
    sessions = Sessions.default()
    sessions.put(url, stored_session(args.email.strip().lower(), config, tokens))
    _emit(args, {"url": url, "email": args.email.lower(), "sessions": str(sessions.path)},
          f"Signed in to {url} as {args.email.lower()}.")
    return 0


def logout(args: argparse.Namespace) -> int:
    """Revoke the session's refresh token with Cognito (the tokens it issued stop renewing) and forget it."""
    url = _url(args)
    sessions = Sessions.default()
    session = sessions.get(url)
    if session is not None and session.get("refresh_token"):
        CognitoSignIn(session["config"]).call("RevokeToken", {"ClientId": session["config"]["client_id"],
                                                              "Token": session["refresh_token"]})
    sessions.forget(url)
    _emit(args, {"url": url, "signed_out": session is not None},
          f"Signed out of {url}." if session is not None else f"You were not signed in to {url}.")
    return 0


def sample(args: argparse.Namespace) -> int:
    path = "/sample.xlsx" if args.xlsx else "/sample.csv"
    name, data = _api(args).get_csv(path, format="legacy" if args.legacy else "current")
    return _save(args, name, data)


def upload(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise BadArguments(f"no such file: {path}")
    api = _api(args)
    answer = api.post_json("/uploads", {"file_name": path.name, "validate_only": args.validate_only,
                                        "size": path.stat().st_size})
    upload_id = answer["upload_id"]
    if not args.json:
        print(f"Upload {upload_id}: {path.name}", flush=True)
    api.post_form(answer["form"], path)
    if not args.wait:
        _emit(args, {"upload_id": upload_id, "file_name": path.name, "state": "RECEIVED"},
              f"Sent. Follow it with: roster status {upload_id}")
        return 0
    return _finish(args, wait_for(api, upload_id, args.timeout, _progress_console(), show=not args.json), api)


def apply(args: argparse.Namespace) -> int:
    api = _api(args)
    args.upload_id = resolve_upload_id(api, args.upload_id)
    answer = api.post_json(f"/uploads/{args.upload_id}/apply")
    if not args.wait:
        _emit(args, answer, f"Upload {args.upload_id} is being applied ({answer['state']}). Follow it with: "
                            f"roster status {args.upload_id}")
        return 0
    return _finish(args, wait_for(api, args.upload_id, args.timeout, _progress_console(), show=not args.json), api)


def uploads(args: argparse.Namespace) -> int:
    page = _api(args).get_json("/uploads", limit=str(args.limit), cursor=args.cursor)
    if args.json:
        print(json.dumps(page, indent=1))
        return 0
    table = Table(title="Uploads")
    for column in ("Upload ID", "File", "State", "Progress", "Started", "Uploader"):
        table.add_column(column)
    for item in page["uploads"]:
        applying = item["state"] in ("QUEUED", "CREATING", "COMPLETED", "FAILED")  # nothing applied before
        done = f"{item['progress']['applied']:,} / {item['progress']['rows']:,}" if applying else "-"
        table.add_row(item["upload_id"], item["file_name"], item["state"], done, item["created_at"], item["uploader"])
    Console(width=200).print(table)
    if page.get("next_cursor"):
        print(f"More: roster uploads --cursor {page['next_cursor']}")
    return 0


def status(args: argparse.Namespace) -> int:
    api = _api(args)
    upload = api.get_json(f"/uploads/{resolve_upload_id(api, args.upload_id)}")
    if args.json:
        print(json.dumps(upload, indent=1))
    else:
        describe(_console(), upload, _planned(api, upload), findings=True)
    return EXIT_BY_STATE.get(upload["state"], 0)


def validation(args: argparse.Namespace) -> int:
    return _download(args, "validation.csv", "Validation report")


def plan(args: argparse.Namespace) -> int:
    return _download(args, "plan.csv", "Plan")


def approve(args: argparse.Namespace) -> int:
    api = _api(args)
    args.upload_id = resolve_upload_id(api, args.upload_id)
    answer = api.post_json(f"/uploads/{args.upload_id}/approve")
    waiting = answer["state"] == "AWAITING_APPROVAL"
    _emit(args, answer, f"Approved. Upload {args.upload_id} " + (
        "still waits for another organisation's administrator." if waiting else f"goes on ({answer['state']})."))
    return 0


def cancel(args: argparse.Namespace) -> int:
    api = _api(args)
    args.upload_id = resolve_upload_id(api, args.upload_id)
    answer = api.post_json(f"/uploads/{args.upload_id}/cancel")
    _emit(args, answer, f"Upload {args.upload_id} is {answer['state']}; nothing in it was applied.")
    return 0


def results(args: argparse.Namespace) -> int:
    api = _api(args)
    upload_id = resolve_upload_id(api, args.upload_id)
    # A workbook upload's results are a workbook: the upload's own link says which file it has.
    links = api.get_json(f"/uploads/{upload_id}").get("links", {})
    name, data = api.get_csv(links.get("results", f"/uploads/{upload_id}/results.csv"))
    return _save(args, name, data)


def changes(args: argparse.Namespace) -> int:
    name, data = _api(args).get_csv(f"/uploads/{args.upload_id}/changes.csv")
    return _save(args, name, data)


def history(args: argparse.Namespace) -> int:
    email = args.email.strip().lower()
    answer = _api(args).get_json(f"/accounts/{quote(email, safe='@')}/history")
    if args.json:
        print(json.dumps(answer, indent=1))
        return 0
    if not answer["changes"]:
        print(f"No recorded change to {email}.")
        return 0
    table = Table("Applied At", "Action", "Field", "Old", "New", "Upload", "By", title=f"History of {email}")
    for change in answer["changes"]:
        table.add_row(change["at"], change["action"], change["field"], change["old"], change["new"],
                      change["upload_id"], change["by"])
    Console(width=200).print(table)
    return 0


def report(args: argparse.Namespace) -> int:
    name, data = _api(args).get_csv("/report.csv", ods=args.ods)
    return _save(args, name, data)


def _scim(args: argparse.Namespace) -> int:
    return scim_commands.run(args, _api(args))


# -- helpers -------------------------------------------------------------------------------
def _url(args: argparse.Namespace) -> str:
    url = args.url or os.environ.get("ROSTER_URL") or Sessions.default().last_url()
    if not url:
        raise BadArguments("you are not signed in: roster login --url URL --email YOUR-EMAIL, where URL is Roster's "
                           "address (from your AWS engineer, or the first line of roster local serve)")
    if not _safe_to_send_passwords(url):
        raise BadArguments(f"--url {url}: use https (plain http only for roster local serve on this machine)")
    return normalised_url(url)


def _safe_to_send_passwords(url: str) -> bool:
    """https to a host, or plain http to this machine, decided on the parsed URL (no user info, which
    would make `http://127.0.0.1@elsewhere` look local to a prefix test): docs/security.md."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - a port that is not a number raises ValueError
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _THIS_MACHINE)


def _api(args: argparse.Namespace) -> RosterApi:
    return RosterApi(_url(args), Sessions.default())


def _ask(prompt: str, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise CommandFailed(f"sign-in asks: {prompt.strip()} That needs a terminal: run roster login in one "
                            "(a script may set ROSTER_NEW_PASSWORD for a new password)")
    return getpass.getpass(prompt) if secret else input(prompt)


def _emit(args: argparse.Namespace, document: dict[str, Any], line: str) -> None:
    print(json.dumps(document, indent=1) if args.json else line, flush=True)


def _progress_console() -> Console:
    return Console(stderr=True)


def _save(args: argparse.Namespace, name: str, data: bytes) -> int:
    output: Path | None = args.output
    workbook = name.endswith(".xlsx")
    if output is None and not args.json and workbook and sys.stdout.isatty():
        raise BadArguments(f"{name} is a workbook, which a terminal cannot show: give -o {name}")
    if output is None and not args.json:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    if output is not None:
        _write_private(output, data)
    document = {"file_name": name, "saved_to": str(output) if output else None, "bytes": len(data)}
    if output is None and workbook:
        document["xlsx_base64"] = base64.b64encode(data).decode()
    elif output is None:
        document["csv"] = data.decode("utf-8-sig")
    _emit(args, document, f"Saved {output}")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its user alone (0600, as the session file is): results hold temporary
    passwords, reports and plans the directory's personal data. A file already there gets 0600 too."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _finish(args: argparse.Namespace, upload: dict[str, Any], api: RosterApi) -> int:
    if args.json:
        print(json.dumps(upload, indent=1))
    else:
        describe(_console(), upload, _planned(api, upload), findings=upload["state"] == "INVALID")
    if upload["state"] == "AWAITING_APPROVAL":  # not done: exit status 1 (docs/api.md#exit-status), with its one line
        print(f"roster: upload {upload['upload_id']} waits for approval; nothing in it is applied until then. "
              f"{_who_approves(upload)}", file=sys.stderr)
        return EXIT_OTHER
    return EXIT_BY_STATE.get(upload["state"], 0)


def _who_approves(upload: dict[str, Any]) -> str:
    approval, upload_id = upload.get("approval") or {}, upload["upload_id"]
    if approval.get("may_approve") and approval.get("uploader_approves"):
        return (f"You are the only administrator of {', '.join(approval['uploader_approves'])}, so you approve it "
                f"yourself: roster plan {upload_id}, then roster approve {upload_id}.")
    return f"Another administrator approves it (roster status {upload_id} says who): roster approve {upload_id}."


def _planned(api: RosterApi, upload: dict[str, Any]) -> Counter[str] | None:
    """What applying a validated upload will do, from its plan."""
    if upload["state"] != "VALIDATED":
        return None
    return planned_counts(api.get_csv(f"/uploads/{upload['upload_id']}/plan.csv")[1])


def _download(args: argparse.Namespace, report: str, title: str) -> int:
    """A report saved with -o, or shown as a table (--json: its text)."""
    api = _api(args)
    name, data = api.get_csv(f"/uploads/{resolve_upload_id(api, args.upload_id)}/{report}")
    if args.output is None and not args.json:
        _console().print(csv_table(f"{title}: {name}", data))
        return 0
    return _save(args, name, data)


def _console() -> Console:
    return Console(soft_wrap=True)  # plain lines are never broken; tables fit the terminal
