"""`roster directory load FILE --stack NAME`: an AWS engineer loads organisations,
administrators (and their sign-in users, invited by Cognito's email) and existing accounts
into a deployed stack. A bad file is refused whole, naming the field; running it twice
changes nothing (an account already in the directory is left as it is: uploads may have
changed it since)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from roster.accounts.addresses import address_base_of
from roster.adapters.directory_store import DirectoryStore, account_item, reservation_item
from roster.adapters.dynamodb import to_item
from roster.model.directory import Account, Organisation
from roster.model.uploads import utc_now
from roster_local.admin.directory_file import DirectoryFile, DirectoryFileError, load_directory_file
from roster_local.admin.session import BadArguments, CommandFailed
from roster_local.admin.sign_in_users import invite_administrators


@dataclass
class LoadSummary:
    organisations: int = 0
    administrators: int = 0
    invited: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # addresses held by users this load did not create
    accounts_created: int = 0
    accounts_already_there: int = 0


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    directory = commands.add_parser("directory", help="the directory of a deployed stack (AWS engineers)")
    actions = directory.add_subparsers(dest="directory_command", required=True)
    load = actions.add_parser("load", help="load a directory file (docs/local-run.md) into a deployed stack")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--stack", required=True, help="the CloudFormation stack name")
    load.add_argument("--region", default=None, help="the stack's region (default: your AWS configuration's)")
    load.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace) -> int:
    import boto3  # the engineer's own AWS credentials and region
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        directory = load_directory_file(args.file)
    except DirectoryFileError as exc:
        raise BadArguments(f"{exc} (nothing was loaded)") from exc
    try:
        session = boto3.Session(region_name=args.region)
        outputs = stack_outputs(session.client("cloudformation"), args.stack)
        summary = load_directory(directory, DirectoryStore(session.client("dynamodb"), outputs["DirectoryTableName"]),
                                 session.client("cognito-idp"), outputs["AdminUserPoolId"])
    except (BotoCoreError, ClientError) as exc:
        raise CommandFailed(f"loading into stack {args.stack} failed: {exc}") from exc
    if args.json:
        print(json.dumps(asdict(summary), indent=1))
    else:
        print(f"Loaded into {args.stack}: {summary.organisations} organisations, {summary.administrators} "
              f"administrators ({len(summary.invited)} invited by email), {summary.accounts_created} accounts created, "
              f"{summary.accounts_already_there} already there.")
    for problem in summary.refused:
        print(f"roster: {problem}", file=sys.stderr)
    return 1 if summary.refused else 0


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    """The deployed stack's outputs (DirectoryTableName, AdminUserPoolId, ...)."""
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    missing = {"DirectoryTableName", "AdminUserPoolId"} - set(outputs)
    if missing:
        raise CommandFailed(f"stack {stack} has no output {', '.join(sorted(missing))}: is it a Roster stack, "
                            "deployed from this template.yaml?")
    return outputs


def load_directory(directory: DirectoryFile, store: DirectoryStore, idp: Any, pool_id: str) -> LoadSummary:
    """Write the file's organisations and administrators, create its accounts that do not exist,
    and invite the administrators who have no sign-in user yet."""
    summary = LoadSummary()
    for org in directory.organisations:
        store.put_organisation(Organisation(ods=org.ods.upper(), name=org.name, domain=org.domain.lower(),
                                            mailbox_max_gb=org.mailbox_max_gb, units=tuple(org.units)))
        summary.organisations += 1
    for admin in directory.admins:
        store.put_admin(admin.email, admin.orgs)
        summary.administrators += 1
    now = utc_now()
    for entry in directory.accounts:
        values = {**entry.model_dump(), "ods": entry.ods.upper(), "created_at": entry.created_at or now}
        if _create_if_absent(store, Account.model_validate(values)):
            summary.accounts_created += 1
        else:
            summary.accounts_already_there += 1
    summary.invited, summary.refused = invite_administrators(idp, pool_id, store, [a.email for a in directory.admins])
    return summary


def _create_if_absent(store: DirectoryStore, account: Account) -> bool:
    base = address_base_of(account.email)
    absent = "attribute_not_exists(pk)"
    try:
        store.dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": store.table, "Item": to_item(account_item(account)), "ConditionExpression": absent}},
            {"Put": {"TableName": store.table, "Item": to_item(reservation_item(account.email, base)),
                     "ConditionExpression": absent}},
        ])
        return True
    except store.dynamodb.exceptions.TransactionCanceledException:
        return False
