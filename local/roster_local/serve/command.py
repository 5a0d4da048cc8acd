"""`roster local serve`: the embedded stack over HTTP on 127.0.0.1 (docs/api.md#command-line).

The API is the template's HTTP API answered by the real api function; S3 and Cognito are
moto's server mode on a second local port (the upload form posts there, the CLI signs in
there); every administrator of the directory file can sign in with one password."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from roster_local.serve.mailroom import Mailroom

if TYPE_CHECKING:
    from roster_local.serve.aws_gate import StackCredentials
    from roster_local.serve.server import LocalServer

EXIT_BAD_ARGUMENTS = 2
MAIL_SYNC_SECONDS = 1.0
# Only the endpoints differ from AWS: the functions' own clients reach the local S3 (so upload
# forms point there) and Cognito (so /config names it).
_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")


def add_serve_command(local_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = local_commands.add_parser("serve", help="serve the API, the console and sign-in on 127.0.0.1")
    serve.add_argument("--directory", required=True, help="directory file (JSON) loaded at start")
    serve.add_argument("--port", type=int, default=8000, help="port of the API and console (0: any free port)")
    serve.add_argument("--admin-password", default=None,
                       help="every administrator's password (default: one generated and printed)")
    serve.add_argument("--mail-dir", type=Path, default=None,
                       help="folder that keeps every email sent, as .eml files (default: a new temporary folder)")
    serve.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                       help="override a template.yaml parameter, as `sam deploy --parameter-overrides` does")


def local_serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; the first line of standard output says where."""
    from roster.adapters.directory_store import DirectoryStore
    from roster.model.uploads import utc_now
    from roster.settings import get_settings
    from roster_local.admin.directory_file import DirectoryFileError, load_directory_file, load_into
    from roster_local.admin.session import config_folder
    from roster_local.admin.sign_in_users import create_with_password
    from roster_local.serve.admin_password import local_admin_password
    from roster_local.serve.aws_endpoint import started_endpoint
    from roster_local.serve.aws_gate import PROFILE, engineer_profile
    from roster_local.serve.http_api import LocalHttpApi
    from roster_local.serve.server import local_server
    from roster_local.stack.embedded_stack import REGION, EmbeddedStack
    from roster_local.stack.iam_guard import AccessDeniedInRun

    password = args.admin_password or local_admin_password()
    try:
        directory = load_directory_file(Path(args.directory))
        overrides = dict(_name_value(p) for p in args.parameter)
        _check_password(password)
    except (ValueError, DirectoryFileError) as exc:
        print(f"roster: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        server = local_server(args.port)
    except OSError as exc:
        print(f"roster: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}; choose another --port",
              file=sys.stderr)
        return 1
    # The console's page posts upload forms to the bucket from this origin: the template's CORS rules
    # allow ConsoleOrigin, as they would a deployment's custom domain. An explicit --parameter wins.
    try:
        with server, EmbeddedStack(parameters={"ConsoleOrigin": server.origin, **overrides}) as stack:
            credentials = _stack_credentials()
            endpoint = started_endpoint(credentials)
            try:
                os.environ.update(dict.fromkeys(_ENDPOINT_VARIABLES, endpoint.url))
                profile = engineer_profile(config_folder() / "local-serve-aws-config", credentials, REGION,
                                           endpoint.url)
                print(f"AWS credentials for engineers (readable by you alone): AWS_CONFIG_FILE={profile} "
                      f"AWS_PROFILE={PROFILE}", file=sys.stderr, flush=True)
                settings = get_settings()
                store = DirectoryStore(stack.client("dynamodb"), settings.directory_table)
                load_into(store, directory, utc_now())
                create_with_password(stack.client("cognito-idp"), settings.user_pool_id, store,
                                     [a.email for a in directory.admins], password)
                server.api = LocalHttpApi(stack, endpoint.url)
                server.api.mailroom = kept_mail(args.mail_dir)
                _serve(server, [a.email for a in directory.admins], password, generated=not args.admin_password,
                       mailroom=server.api.mailroom)
            finally:
                endpoint.stop()
    except AccessDeniedInRun as exc:  # a call a deployed role would refuse (docs/deploy.md)
        print(f"roster: {exc}", file=sys.stderr)
        return 1
    return 0


def _stack_credentials() -> StackCredentials:
    """New keys for the embedded stack, secret to this process and the engineer's profile: its
    functions sign the upload forms and links they give out with them, and the endpoint takes
    nothing else that is signed (moto's own well-known test keys would let anyone forge a form)."""
    import boto3

    from roster.adapters.clients import client
    from roster_local.serve.aws_gate import StackCredentials

    credentials = StackCredentials.generate()
    os.environ["AWS_ACCESS_KEY_ID"] = credentials.access_key_id
    os.environ["AWS_SECRET_ACCESS_KEY"] = credentials.secret_access_key
    os.environ.pop("AWS_SESSION_TOKEN", None)
    client.cache_clear()  # clients made before would sign with the old keys,
    boto3.DEFAULT_SESSION = None  # as would boto3's default session, which keeps the keys it first found
    return credentials


def _serve(server: LocalServer, admins: list[str], password: str, generated: bool, mailroom: Mailroom) -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    print(f"Roster is serving on {server.origin}", flush=True)
    print(f"Administrators: {', '.join(admins) or '(none in the directory file)'}", flush=True)
    if generated:
        print(f"Their password: {password}", flush=True)
    print(f"Console: open {server.origin}/ in a browser and sign in as one of them", flush=True)
    print(f"Command line: {roster_command()} login --url {server.origin} --email ADMIN   (Ctrl+C stops)", flush=True)
    print(f"Emails: every email Roster sends is kept in {mailroom.folder} (open the .eml files in a mail client) "
          f"and on the console's Mailbox page", flush=True)
    worker = threading.Thread(target=server.serve_forever, name="roster-serve", daemon=True)
    worker.start()
    try:
        while not stop.wait(MAIL_SYNC_SECONDS):
            mailroom.sync()
    finally:
        server.shutdown()
        worker.join(timeout=10)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        print("Roster stopped.", flush=True)


def kept_mail(folder: Path | None) -> Mailroom:
    """Where the emails SES accepts go: `folder`, or a new temporary one (readable by the user alone)."""
    from roster_local.moto_patches.ses_outbox import raw_messages
    from roster_local.stack.embedded_stack import ACCOUNT_ID, REGION

    chosen = folder or Path(tempfile.mkdtemp(prefix="roster-mail-"))
    return Mailroom(chosen.resolve(), lambda: raw_messages(ACCOUNT_ID, REGION))


def roster_command() -> str:
    """`roster` when that is this command on the PATH, else its whole path (`.venv/bin/roster`)."""
    this = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    found = shutil.which("roster")
    if this is not None and this.name == "roster" and (found is None or Path(found).resolve() != this):
        return str(this)
    return "roster"


def _check_password(password: str) -> None:
    kinds = [any(c.islower() for c in password), any(c.isupper() for c in password),
             any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    if len(password) < 14 or not all(kinds):
        raise ValueError("--admin-password must have at least 14 characters, with lower case, upper case, a digit "
                         "and a symbol (the user pool's password policy)")


def _name_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--parameter '{text}' must be NAME=VALUE")
    return name, value
