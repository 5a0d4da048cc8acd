"""The create phase: apply one batch of validated rows to the directory, each row exactly once.

Every row ends in one DynamoDB transaction that writes the row's outcome together with its
effect (account, address reservation, identity record), each conditional. A retried batch,
a Lambda that died after writing, or a second upload of the same people finds the row or
the person already there and reports the same outcome: no row ever makes a second account."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from roster.adapters.directory_store import (
    DirectoryStore,
    account_item,
    account_key,
    identity_record_key,
    reservation_item,
)
from roster.adapters.dynamodb import to_item
from roster.adapters.job_store import JobStore, outcome_item
from roster.adapters.upload_store import UploadStore
from roster.addresses import address_base, candidate_address, first_free_suffix
from roster.batches import BatchRequest, BatchRow, generated_password_purpose, password_purpose, read_batch
from roster.credentials import generate_password, hash_password
from roster.errors import TransientInfrastructureError
from roster.model.directory import Account, AccountStatus, Organisation
from roster.model.jobs import RESULT_COUNT, RowOutcome, utc_now
from roster.model.person_key import identity_key
from roster.model.rows import RowAction, RowResult
from roster.sealing import JobCipher

logger = Logger(child=True)

# Row fields an update or joiner row may set, and their names in messages.
UPDATABLE = {
    "title": "Title", "first_name": "First Name", "last_name": "Last Name", "display_name": "Display Name",
    "job_title": "Job Title", "unit": "Organisational Unit", "business_phone": "Business Phone",
    "mobile_phone": "Mobile Phone", "mailbox_gb": "Mailbox Size",
}
_MAX_ADDRESS_ATTEMPTS = 50
_MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
_MAX_CONFLICT_RETRIES = 8


@dataclass
class CreateStep:
    """Everything one batch needs: stores, the job's cipher, and deployment settings."""

    job_id: str
    directory: DirectoryStore
    jobs: JobStore
    uploads: UploadStore
    cipher: JobCipher
    password_hash_cost: int
    identity_retention_days: int
    now: str = field(default_factory=utc_now)

    def run_batch(self, request: BatchRequest) -> dict[str, Any]:
        """Apply every row of one batch file; returns the batch's tally (plain data)."""
        rows = read_batch(self.uploads, request.batch_key)
        done = self.jobs.outcomes_for(self.job_id, [r.line for r in rows])
        todo = [r for r in rows if r.line not in done]
        prefetch = _Prefetch.load(self.directory, todo)
        outcomes = dict(done)
        new_users: list[_NewUser] = []
        for row in todo:
            planned = self._plan(row, prefetch)
            if isinstance(planned, _NewUser):
                new_users.append(planned)
            else:
                outcomes[row.line] = planned
        for new_user, outcome in self._create_all(new_users, prefetch):
            outcomes[new_user.row.line] = outcome
        tally = Counter(RESULT_COUNT[o.result] for o in outcomes.values())
        self.jobs.record_batch_progress(self.job_id, request.batch_no, dict(tally))
        logger.info("batch done", extra={"job_id": self.job_id, "batch_no": request.batch_no,
                                         "rows": len(rows), "replayed_rows": len(done), "tally": dict(tally)})
        return {"batch_no": request.batch_no, "rows": len(rows), **tally}

    def apply_row(self, row: BatchRow, prefetch: _Prefetch) -> RowOutcome:
        """One row's effect and outcome; a bad row is a Failed outcome, never an exception."""
        planned = self._plan(row, prefetch)
        return self._create_one(planned) if isinstance(planned, _NewUser) else planned

    def _plan(self, row: BatchRow, prefetch: _Prefetch) -> RowOutcome | _NewUser:
        """A change row is applied here; a new user is prepared (password, hash) to be created."""
        if row.action is not RowAction.CREATE:
            return self._change(row, prefetch)
        organisation = prefetch.organisations.get(row.fields.ods or "")
        if organisation is None:
            return self._record_alone(row, RowResult.FAILED, f"Organisation {row.fields.ods} no longer exists "
                                      "in the directory; check the Organisation ODSCode and upload the row again.")
        identity = identity_key(row.fields)
        if identity in prefetch.identities:
            return self._already_created(row, prefetch.identities[identity])
        supplied = self.cipher.unseal(row.sealed_password, password_purpose(row.line)) if row.sealed_password else None
        password = supplied or generate_password()
        return _NewUser(
            row=row, organisation=organisation, identity=identity,
            base=address_base(row.fields.first_name or "", row.fields.last_name or "", organisation.domain),
            password_hash=hash_password(password, self.password_hash_cost), generated=supplied is None,
            sealed_generated=None if supplied else self.cipher.seal(password, generated_password_purpose(row.line)),
        )

    # -- new users --------------------------------------------------------------------
    def _create_all(self, new_users: list[_NewUser], prefetch: _Prefetch) -> list[tuple[_NewUser, RowOutcome]]:
        """Create new users, several rows per transaction while nothing collides.

        Rows whose base address is free go in groups (fewer round trips); a group that is
        cancelled for any reason wrote nothing, and its rows are then created one by one,
        which resolves every collision. Rows whose base address is taken go one by one."""
        created: list[tuple[_NewUser, RowOutcome]] = []
        one_by_one: list[_NewUser] = []
        group: list[tuple[_NewUser, list[dict[str, Any]], RowOutcome]] = []
        bases: set[str] = set()

        def commit_group() -> None:
            items = [item for _, group_items, _ in group for item in group_items]
            if self._transact(items) is None:
                created.extend((new_user, outcome) for new_user, _, outcome in group)
            else:
                one_by_one.extend(new_user for new_user, _, _ in group)
            group.clear()
            bases.clear()

        for new_user in new_users:
            if new_user.base in prefetch.reserved or new_user.base in bases:
                one_by_one.append(new_user)
                continue
            items, outcome = self._create_items(new_user, 0)
            group.append((new_user, items, outcome))
            bases.add(new_user.base)
            if len(group) * len(items) + len(items) > _MAX_TRANSACTION_ITEMS:
                commit_group()
        if group:
            commit_group()
        created.extend((new_user, self._create_one(new_user)) for new_user in one_by_one)
        return created

    def _create_one(self, new_user: _NewUser) -> RowOutcome:
        """Create one user alone, moving to the next free address until one is free."""
        suffix: int | None = 0
        refused: set[int] = set()
        conflicts = 0
        for _ in range(_MAX_ADDRESS_ATTEMPTS):
            if suffix is None:
                suffix = first_free_suffix(self.directory.taken_suffixes(new_user.base) | refused)
            items, outcome = self._create_items(new_user, suffix)
            codes = self._transact(items)
            if codes is None:
                return outcome
            if codes[3] == "ConditionalCheckFailed":
                return self._recorded(new_user.row.line)
            if codes[2] == "ConditionalCheckFailed":
                prior = self.directory.identity(new_user.identity)
                if prior is not None:
                    return self._already_created(new_user.row, prior)
            if codes[0] == "ConditionalCheckFailed" or codes[1] == "ConditionalCheckFailed":
                refused.add(suffix)
                suffix = None
                continue
            conflicts += 1
            if conflicts > _MAX_CONFLICT_RETRIES:
                break
            time.sleep(0.01 * 2**conflicts)
        raise TransientInfrastructureError(f"line {new_user.row.line}: could not reserve an address for "
                                           f"{new_user.base}")

    def _create_items(self, new_user: _NewUser, suffix: int) -> tuple[list[dict[str, Any]], RowOutcome]:
        """The four conditional Puts that create one user at one address, and the outcome they record."""
        fields, organisation = new_user.row.fields, new_user.organisation
        address = candidate_address(new_user.base, suffix)
        outcome = RowOutcome(line=new_user.row.line, result=RowResult.CREATED, email=address,
                             message=_created_message(organisation, fields.unit),
                             sealed_password=new_user.sealed_generated, done_at=self.now)
        account = Account(
            email=address, first_name=fields.first_name or "", last_name=fields.last_name or "",
            ods=organisation.ods, title=fields.title, display_name=fields.display_name,
            job_title=fields.job_title, unit=fields.unit, business_phone=fields.business_phone,
            mobile_phone=fields.mobile_phone, mailbox_gb=fields.mailbox_gb or 4, created_at=self.now,
        )
        identity_record = {
            **identity_record_key(new_user.identity), "identity": new_user.identity, "email": address,
            "job_id": self.job_id, "created_at": self.now,
            "expires_at": _epoch(self.now) + self.identity_retention_days * 86400,
        }
        items = [
            _put(self.directory.table, account_item(account, password_hash=new_user.password_hash,
                                                    must_change_password=new_user.generated,
                                                    created_by_job=self.job_id)),
            _put(self.directory.table, reservation_item(address, new_user.base, job_id=self.job_id,
                                                        line=new_user.row.line)),
            _put(self.directory.table, identity_record),
            outcome_item(self.jobs.table, self.job_id, outcome),
        ]
        return items, outcome

    def _already_created(self, row: BatchRow, prior: dict[str, Any]) -> RowOutcome:
        date = str(prior.get("created_at", ""))[:10]
        return self._record_alone(
            row, RowResult.UNCHANGED,
            f"Already created as {prior['email']} by upload {prior['job_id']} on {date}", email=prior["email"])

    # -- leavers, joiners, updates -----------------------------------------------------
    def _change(self, row: BatchRow, prefetch: _Prefetch) -> RowOutcome:
        email = (row.fields.email or "").lower()
        account = prefetch.accounts.get(email)
        for _ in range(_MAX_CONFLICT_RETRIES):
            if account is None:
                return self._record_alone(row, RowResult.FAILED, f"No account with the address {email} exists; "
                                          "leave Email Address blank to create a new user.", email=email)
            plan = _plan_change(row, account, self.now)
            if plan.result in (RowResult.UNCHANGED, RowResult.FAILED):
                return self._record_alone(row, plan.result, plan.message, email=email)
            if plan.password_hash_needed:
                supplied = self.cipher.unseal(row.sealed_password, password_purpose(row.line))  # type: ignore[arg-type]
                plan.sets["password_hash"] = hash_password(supplied, self.password_hash_cost)
                plan.sets["must_change_password"] = False
            outcome = RowOutcome(line=row.line, result=plan.result, message=plan.message, email=email,
                                 done_at=self.now)
            items = [_update_account(self.directory.table, email, plan, account), outcome_item(
                self.jobs.table, self.job_id, outcome)]
            codes = self._transact(items)
            if codes is None:
                return outcome
            if codes[1] == "ConditionalCheckFailed":
                return self._recorded(row.line)
            account = self.directory.account(email)  # changed under us: plan again from what is there now
        raise TransientInfrastructureError(f"line {row.line}: the account {email} kept changing")

    # -- writing -----------------------------------------------------------------------
    def _record_alone(self, row: BatchRow, result: RowResult, message: str, email: str = "") -> RowOutcome:
        outcome = RowOutcome(line=row.line, result=result, message=message, email=email, done_at=self.now)
        codes = self._transact([outcome_item(self.jobs.table, self.job_id, outcome)])
        return outcome if codes is None else self._recorded(row.line)

    def _recorded(self, line: int) -> RowOutcome:
        """The outcome an earlier attempt recorded for this line."""
        return self.jobs.outcomes_for(self.job_id, [line])[line]

    def _transact(self, items: list[dict[str, Any]]) -> list[str | None] | None:
        """Run a transaction: None when it committed, else the cancellation code of each item."""
        dynamodb = self.jobs.dynamodb
        try:
            dynamodb.transact_write_items(TransactItems=items)
            return None
        except dynamodb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or [{}] * len(items)
            codes = [r.get("Code") if r.get("Code") != "None" else None for r in reasons]
            if any(c not in (None, "ConditionalCheckFailed", "TransactionConflict") for c in codes):
                raise TransientInfrastructureError(f"transaction cancelled: {codes}") from exc
            return codes
        except (dynamodb.exceptions.ProvisionedThroughputExceededException,
                dynamodb.exceptions.RequestLimitExceeded, dynamodb.exceptions.InternalServerError) as exc:
            raise TransientInfrastructureError(str(exc)) from exc


@dataclass
class _Prefetch:
    """Directory reads for a whole batch, done up front in batched calls."""

    organisations: dict[str, Organisation]
    accounts: dict[str, Account]
    identities: dict[str, dict[str, Any]]
    reserved: set[str]

    @classmethod
    def load(cls, directory: DirectoryStore, rows: list[BatchRow]) -> _Prefetch:
        creates = [r for r in rows if r.action is RowAction.CREATE]
        organisations = directory.organisations({r.fields.ods for r in creates if r.fields.ods})
        accounts = directory.accounts({r.fields.email.lower() for r in rows if r.fields.email})
        identities = directory.identities({identity_key(r.fields) for r in creates})
        bases = {address_base(r.fields.first_name or "", r.fields.last_name or "", organisations[r.fields.ods].domain)
                 for r in creates if r.fields.ods in organisations}
        return cls(organisations, accounts, identities, directory.reserved_addresses(bases))


@dataclass(frozen=True)
class _NewUser:
    """A new-user row ready to be created: its password is chosen and hashed once, whichever
    address and attempt finally create it."""

    row: BatchRow
    organisation: Organisation
    identity: str
    base: str
    password_hash: str
    generated: bool
    sealed_generated: str | None


@dataclass
class _ChangePlan:
    result: RowResult
    message: str
    sets: dict[str, Any] = field(default_factory=dict)
    removes: list[str] = field(default_factory=list)
    expected_status: AccountStatus = AccountStatus.ACTIVE
    password_hash_needed: bool = False


def _plan_change(row: BatchRow, account: Account, now: str) -> _ChangePlan:
    """What a leaver, joiner or update row does to the account as it is now (csv-contract 4)."""
    fields = row.fields
    if fields.status == "leaver":
        if account.status is AccountStatus.LEAVER:
            return _ChangePlan(RowResult.UNCHANGED, f"{account.email} is already a leaver.")
        return _ChangePlan(RowResult.LEAVER, f"Marked as a leaver; the address {account.email} is kept.",
                           sets={"status": AccountStatus.LEAVER.value, "leaver_at": now})
    changes = {name: getattr(fields, name) for name in UPDATABLE if getattr(fields, name) is not None
               and getattr(fields, name) != getattr(account, name)}
    password_given = row.sealed_password is not None
    if account.status is AccountStatus.LEAVER:
        target = (fields.ods or "").upper()
        sets = {**changes, "status": AccountStatus.ACTIVE.value, "ods": target, "joined_at": now,
                "gsi1pk": f"ORG#{target}"}
        removes = ["unit"] if fields.unit is None and account.unit is not None else []
        return _ChangePlan(RowResult.JOINER, f"Moved from leaver state to organisation {target} and made active.",
                           sets=sets, removes=removes, expected_status=AccountStatus.LEAVER,
                           password_hash_needed=password_given)
    if fields.ods and fields.ods.upper() != account.ods:
        return _ChangePlan(RowResult.FAILED, f"{account.email} is active in organisation {account.ods}; moving an "
                           f"active user to {fields.ods.upper()} is not allowed: mark them as a leaver first.")
    if not changes and not password_given:
        return _ChangePlan(RowResult.UNCHANGED, "Nothing to change: the account already has these values.")
    changed = [UPDATABLE[name] for name in changes] + (["Password"] if password_given else [])
    return _ChangePlan(RowResult.UPDATED, "Updated " + ", ".join(changed) + ".", sets=changes,
                       password_hash_needed=password_given)


def _update_account(table: str, email: str, plan: _ChangePlan, account: Account) -> dict[str, Any]:
    names = {f"#s{i}": name for i, name in enumerate(plan.sets)}
    values = {f":s{i}": value for i, value in enumerate(plan.sets.values())}
    names.update({f"#r{i}": name for i, name in enumerate(plan.removes)})
    names.update({"#status": "status", "#ods": "ods"})
    values.update({":expected": plan.expected_status.value, ":ods": account.ods})
    expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(plan.sets)))
    if plan.removes:
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(plan.removes)))
    return {"Update": {
        "TableName": table, "Key": to_item(account_key(email)), "UpdateExpression": expression,
        "ConditionExpression": "attribute_exists(pk) AND #status = :expected AND #ods = :ods",
        "ExpressionAttributeNames": names, "ExpressionAttributeValues": to_item(values),
    }}


def _put(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}


def _created_message(organisation: Organisation, unit: str | None) -> str:
    if unit:
        return f"Created in {organisation.name} ({organisation.ods}), unit {unit}."
    return (f"Created directly under {organisation.name} ({organisation.ods}), its parent organisation, because no "
            "Organisational Unit was given; set the unit in the user edit screen if needed.")


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp())
