"""`roster scim token|tokens|revoke` (docs/scim.md#tokens): an organisation's SCIM tokens, for
an administrator of it. A new token is printed once; Roster keeps only its digest."""

from __future__ import annotations

import argparse
import json
from typing import Any

from roster_local.admin.api_client import RosterApi


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    scim = commands.add_parser("scim", parents=[common], help="SCIM tokens for identity providers (docs/scim.md)")
    actions = scim.add_subparsers(dest="scim_command", required=True)
    token = actions.add_parser("token", parents=[common], help="a new token for an organisation, printed once")
    token.add_argument("--ods", required=True)
    token.add_argument("--name", default=None, help="what the token is for; records name it as the actor")
    tokens = actions.add_parser("tokens", parents=[common], help="an organisation's tokens (never the tokens)")
    tokens.add_argument("--ods", required=True)
    revoke = actions.add_parser("revoke", parents=[common], help="revoke a token: refused from now on")
    revoke.add_argument("token_id", metavar="TOKEN_ID")


def run(args: argparse.Namespace, api: RosterApi) -> int:
    if args.scim_command == "token":
        issued = api.post_json("/scim/tokens", {"ods": args.ods, "name": args.name})
        _emit(args, issued, f"{issued['token']}\nSCIM token {issued['token_id']} for {issued['ods']} "
                            f"({issued['name']}); it is shown this once. Tenant URL: {api.url}/scim/v2")
    elif args.scim_command == "tokens":
        listed = api.get_json("/scim/tokens", ods=args.ods)
        lines = [f"{t['token_id']}  {t['name']}  issued {t['issued_at']} by {t['issued_by']}"
                 + (f"  REVOKED {t['revoked_at']} by {t['revoked_by']}" if t["revoked_at"] else "")
                 for t in listed["tokens"]]
        _emit(args, listed, "\n".join(lines) or f"No SCIM tokens for {listed['ods']}.")
    else:
        revoked = api.delete_json(f"/scim/tokens/{args.token_id}")
        _emit(args, revoked, f"SCIM token {revoked['token_id']} ({revoked['name']}) of {revoked['ods']} is revoked.")
    return 0


def _emit(args: argparse.Namespace, document: dict[str, Any], line: str) -> None:
    print(json.dumps(document, indent=1) if args.json else line, flush=True)
