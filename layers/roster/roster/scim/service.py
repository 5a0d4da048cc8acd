"""The SCIM Users endpoint for one token's organisation (docs/scim.md#what-roster-does).

Reads build Users from accounts; every write becomes the file row that asks for the User's new
state, validated and planned by roster.validate (the same rules and messages as a file row) and
applied by roster.scim.apply (the create phase's transactions). Deactivation and DELETE are
leaver rows, under the leaver approval rule (roster.scim.leaver_guard)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError
from scim2_models import Context, PatchOp, SCIMException

from roster.model.directory import Account, AccountStatus
from roster.model.rows import PlannedRow, RowAction, RowResult
from roster.model.uploads import RowOutcome, utc_now
from roster.model.writes import Write
from roster.ports import Directory, ScimLinks
from roster.scim.apply import ExtraWrites, RowApplier
from roster.scim.errors import ScimError, not_found, user_name_taken
from roster.scim.links import ScimLink, link_write, name_claim_write, name_key, name_release_write, resource_id
from roster.scim.listing import list_users
from roster.scim.resources import RosterUser, row_cells, row_file, to_resource, with_empty_phones
from roster.scim.snapshot import ScimDirectoryView
from roster.scim.tokens import ScimToken
from roster.validate.upload import UploadLimits, validate_upload

# Lets a leaver through or raises ScimError 429 until a second administrator approves (roster.scim.leaver_guard).
LeaverCheck = Callable[[ScimToken, Account], None]


logger = Logger(child=True)


@dataclass
class ScimUsers:
    """GET, POST, PUT, PATCH and DELETE of /Users for `token`'s organisation."""

    token: ScimToken
    directory: Directory
    links: ScimLinks
    applier: RowApplier
    leaver_check: LeaverCheck
    base_url: str  # .../scim/v2
    administered: frozenset[str] = frozenset()  # what the token's issuer administers, as checked

    @property
    def ods(self) -> str:
        return self.token.ods

    # -- reads ---------------------------------------------------------------------------
    def get(self, user_id: str) -> RosterUser:
        link, account = self._visible(user_id)
        return to_resource(link, account, self.base_url)

    def search(self, query: Mapping[str, str]) -> dict[str, Any]:
        return list_users(self, query)

    def visible_users(self, links: list[ScimLink]) -> list[RosterUser]:
        """The Users of these links that this token may see (live, and in its organisation)."""
        live = [link for link in links if link.deleted_at is None]
        accounts = self.directory.accounts({link.email for link in live})
        return [to_resource(link, accounts[link.email], self.base_url) for link in live
                if link.email in accounts and accounts[link.email].ods == self.ods]

    def _visible(self, user_id: str) -> tuple[ScimLink, Account]:
        link = self.links.link(self.ods, user_id)
        account = self.directory.account(link.email) if link is not None and link.deleted_at is None else None
        if link is None or account is None or account.ods != self.ods:
            raise not_found(user_id)  # another organisation's account does not exist for this token
        return link, account

    # -- writes --------------------------------------------------------------------------
    def create(self, body: Any) -> RosterUser:
        user = _parsed(RosterUser, body, Context.RESOURCE_CREATION_REQUEST)
        user_name = (user.user_name or "").strip()
        if self.links.id_for_user_name(self.ods, user_name) is not None:
            raise user_name_taken(user_name)
        new_id = resource_id(self.ods, user_name)
        row = self._planned(user, None)
        now = utc_now()

        def link_for(outcome: RowOutcome) -> Mapping[str, Write]:
            link = ScimLink(new_id, self.ods, outcome.email, user_name, user.external_id, now)
            return _link_writes(link, previous=None)

        self._apply(row, link_for, None)
        return self.get(new_id)

    def replace(self, user_id: str, body: Any) -> RosterUser:
        link, account = self._visible(user_id)
        user = _parsed(RosterUser, body, Context.RESOURCE_REPLACEMENT_REQUEST)
        return self._write(link, account, user)

    def patch(self, user_id: str, body: Any) -> RosterUser:
        link, account = self._visible(user_id)
        patch = _parsed(PatchOp[RosterUser], body, Context.RESOURCE_PATCH_REQUEST)
        user = with_empty_phones(to_resource(link, account, self.base_url))
        try:
            patch.patch(user)
        except SCIMException as exc:
            raise ScimError(400, str(exc), exc.scim_type) from None
        return self._write(link, account, user)

    def delete(self, user_id: str) -> None:
        """A leaver; then the User is gone for SCIM (404), its userName free again."""
        link, account = self._visible(user_id)
        gone = ScimLink(link.id, link.ods, link.email, link.user_name, link.external_id, link.created_at,
                        deleted_at=utc_now())
        if account.status is AccountStatus.ACTIVE:
            self.leaver_check(self.token, account)
        user = to_resource(link, account, self.base_url).model_copy(update={"active": False})
        row = self._planned(user, account)
        self._apply(row, lambda outcome: _link_writes(gone, previous=link, released=True), account)

    def _write(self, link: ScimLink, account: Account, user: RosterUser) -> RosterUser:
        user_name = (user.user_name or link.user_name).strip()
        renamed = link.renamed(user_name, user.external_id)
        if name_key(user_name) != name_key(link.user_name) and self.links.id_for_user_name(self.ods, user_name):
            raise user_name_taken(user_name)
        row = self._planned(user, account)
        if row.action is RowAction.LEAVER:
            self.leaver_check(self.token, account)
        extra = _link_writes(renamed, previous=link) if renamed != link else {}
        self._apply(row, lambda outcome: extra, account)
        now = self.directory.account(account.email)
        if now is None or now.ods != self.ods:
            raise not_found(link.id)
        return to_resource(renamed, now, self.base_url)

    def _planned(self, user: RosterUser, account: Account | None) -> PlannedRow:
        """The row asking for this User's state, validated as a file row by the token's issuer."""
        cells = row_cells(user, self.ods, account.email if account else None)
        view = ScimDirectoryView(self.directory, self.administered, {account.email: account} if account else {})
        checked = validate_upload(row_file(cells), self.token.issued_by, view, UploadLimits())
        errors = [finding for finding in checked.findings if finding.is_error]
        if errors:
            detail = " ".join(f"{f.column}: {f.message}" if f.column else f.message for f in errors)
            raise ScimError(400, detail, "invalidValue")
        return checked.rows[0]

    def _apply(self, row: PlannedRow, extra: ExtraWrites, account: Account | None) -> RowOutcome:
        outcome = self.applier.apply(row, extra, account, actor=self.token.name)
        logger.info("scim change", extra={"channel": "scim", "actor": self.token.name, "token_id": self.token.token_id,
                                          "ods": self.ods, "result": outcome.result.value, "email": outcome.email})
        if outcome.result is RowResult.FAILED:
            # "Planned as ..." is the change plan's re-check: the account changed between plan and write.
            raise ScimError(409 if outcome.message.startswith("Planned as") else 400, outcome.message)
        return outcome


def _link_writes(link: ScimLink, previous: ScimLink | None, released: bool = False) -> dict[str, Write]:
    """The items that store `link` (and give up `previous`'s userName when it changed or the user is gone)."""
    writes: dict[str, Write] = {"scim_link": link_write(link, new=False)}
    same_name = previous is not None and name_key(previous.user_name) == name_key(link.user_name)
    if previous is not None and (released or not same_name):
        writes["scim_old_name"] = name_release_write(previous.ods, previous.user_name)
    if not released and not same_name:
        writes["scim_name"] = name_claim_write(link)
    return writes


def _parsed(model: Any, body: Any, context: Context) -> Any:
    """The request body as a SCIM message, or 400 saying what is wrong."""
    if not isinstance(body, dict):
        raise ScimError(400, "Send a JSON object with the SCIM schema's attributes.", "invalidSyntax")
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors())
        scim_type = next((str(err["type"]).removeprefix("scim_") for err in exc.errors()
                          if str(err["type"]).startswith("scim_")), "invalidValue")
        raise ScimError(400, detail, scim_type) from None
