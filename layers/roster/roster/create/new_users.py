"""New-user rows in the create phase: a password chosen and hashed once, then the account,
its address reservation, its identity record and the row's outcome written together.

Rows whose base address is free go several to a transaction (fewer round trips); a group
that is cancelled for any reason wrote nothing, and its rows are then created one by one,
moving each to the next free address (docs/csv-format.md#generated-values) until one is free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from roster.accounts.addresses import address_base, candidate_address, first_free_suffix, name_in_address
from roster.accounts.change_plan import already_created_message, new_account
from roster.audit.records import created_record
from roster.create.batches import BatchRow, generated_password_purpose, password_purpose
from roster.create.outcomes import MAX_CONFLICT_RETRIES, RowRecorder
from roster.errors import TransientInfrastructureError
from roster.model.directory import IdentityRecord, Organisation
from roster.model.person_key import identity_key
from roster.model.rows import RowAction, RowResult
from roster.model.uploads import RowOutcome
from roster.model.writes import MAX_WRITES_PER_TRANSACTION, AddressReservation, NewAccount, Write
from roster.passwords.generated import generate_password, hash_password
from roster.passwords.sealing import UploadCipher
from roster.ports import Directory

MAX_ADDRESS_ATTEMPTS = 50
_SECONDS_PER_DAY = 86400
NO_LONGER_CREATED = ("Planned as unchanged when validated, because an earlier upload had created this user, but "
                     "Roster no longer has that record; upload the row again to create the user.")
NO_ADDRESS_FROM_NAMES = ("No email address can be made from this user's names: neither First Name nor Last Name has a "
                         "letter that can be written in Latin letters. Give the names in Latin letters and upload the "
                         "row again.")


@dataclass(frozen=True)
class NewUser:
    """A new-user row ready to be created: its password is chosen and hashed once, whichever
    address and attempt finally create it."""

    row: BatchRow
    organisation: Organisation
    identity: str
    base: str  # first.last@domain
    password_hash: str
    generated: bool
    sealed_generated: str | None


@dataclass
class NewUsers:
    """Creates the new users of one batch, each exactly once."""

    recorder: RowRecorder
    directory: Directory
    cipher: UploadCipher
    password_hash_cost: int
    identity_retention_days: int

    def prepare(self, row: BatchRow, organisations: dict[str, Organisation],
                identities: dict[str, IdentityRecord]) -> NewUser | RowOutcome:
        """The row ready to create, or its outcome when it cannot or need not be created."""
        organisation = organisations.get(row.fields.ods or "")
        if organisation is None:
            return self.recorder.record_alone(row.line, RowResult.FAILED, f"Organisation {row.fields.ods} no longer "
                                              "exists in the directory; check the Organisation ODSCode and upload "
                                              "the row again.")
        identity = identity_key(row.fields)
        if identity in identities:
            return self.already_created(row, identities[identity])
        if row.action is RowAction.UNCHANGED:  # docs/approval-and-plan.md#the-plan: never something else instead
            return self.recorder.record_alone(row.line, RowResult.FAILED, NO_LONGER_CREATED)
        if not (name_in_address(row.fields.first_name or "") or name_in_address(row.fields.last_name or "")):
            return self.recorder.record_alone(row.line, RowResult.FAILED, NO_ADDRESS_FROM_NAMES)
        supplied = self.cipher.unseal(row.sealed_password, password_purpose(row.line)) if row.sealed_password else None
        password = supplied or generate_password()
        return NewUser(
            row=row, organisation=organisation, identity=identity,
            base=address_base(row.fields.first_name or "", row.fields.last_name or "", organisation.domain),
            password_hash=hash_password(password, self.password_hash_cost), generated=supplied is None,
            sealed_generated=None if supplied else self.cipher.seal(password, generated_password_purpose(row.line)),
        )

    def create_all(self, new_users: list[NewUser], reserved: set[str]) -> list[tuple[NewUser, RowOutcome]]:
        """Create every new user: rows whose base address is free (not in `reserved`, not twice
        in a group) in groups, the others, and the rows of a cancelled group, one by one."""
        created: list[tuple[NewUser, RowOutcome]] = []
        one_by_one: list[NewUser] = []
        group: list[tuple[NewUser, dict[str, Write], RowOutcome]] = []
        for new_user in new_users:
            if new_user.base in reserved or any(new_user.base == member.base for member, _, _ in group):
                one_by_one.append(new_user)
                continue
            built = self.recorder.guarded(new_user.row.line, partial(self.writes, new_user, 0))
            if isinstance(built, RowOutcome):  # this row failed on its own
                created.append((new_user, built))
                continue
            writes, outcome = built
            group.append((new_user, writes, outcome))
            if (len(group) + 1) * len(writes) > MAX_WRITES_PER_TRANSACTION:
                self._commit_group(group, created, one_by_one)
                group = []
        if group:
            self._commit_group(group, created, one_by_one)
        created.extend((new_user, self.recorder.guarded(new_user.row.line, partial(self.create_one, new_user)))
                       for new_user in one_by_one)
        return created

    def _commit_group(self, group: list[tuple[NewUser, dict[str, Write], RowOutcome]],
                      created: list[tuple[NewUser, RowOutcome]], one_by_one: list[NewUser]) -> None:
        writes = {f"{new_user.row.line}:{name}": write for new_user, own, _ in group for name, write in own.items()}
        if self.recorder.commit(writes) is None:
            created.extend((new_user, outcome) for new_user, _, outcome in group)
        else:
            one_by_one.extend(new_user for new_user, _, _ in group)

    def create_one(self, new_user: NewUser) -> RowOutcome:
        """Create one user alone, moving to the next free address until one is free."""
        suffix: int | None = 0
        refused: set[int] = set()
        conflicts = 0
        for _ in range(MAX_ADDRESS_ATTEMPTS):
            if suffix is None:
                suffix = first_free_suffix(self.directory.taken_suffixes(new_user.base) | refused)
            writes, outcome = self.writes(new_user, suffix)
            cancelled = self.recorder.commit(writes)
            if cancelled is None:
                return outcome
            if "outcome" in cancelled.refused:
                return self.recorder.recorded(new_user.row.line)
            if "identity" in cancelled.refused:
                prior = self.directory.identity(new_user.identity)
                if prior is not None:
                    return self.already_created(new_user.row, prior)
            if cancelled.refused & {"account", "address"}:
                refused.add(suffix)
                suffix = None
                continue
            conflicts += 1
            if conflicts > MAX_CONFLICT_RETRIES:
                break
            self.recorder.pause(conflicts)
        raise TransientInfrastructureError(f"line {new_user.row.line}: could not reserve an address for "
                                           f"{new_user.base}")

    def writes(self, new_user: NewUser, suffix: int) -> tuple[dict[str, Write], RowOutcome]:
        """The four writes that create one user at one address, and the outcome they record."""
        row, organisation, now = new_user.row, new_user.organisation, self.recorder.now
        upload_id = self.recorder.upload_id
        address = candidate_address(new_user.base, suffix)
        outcome = self.recorder.outcome(row.line, RowResult.CREATED, created_message(organisation, row.fields.unit),
                                        email=address, sealed_password=new_user.sealed_generated)
        identity = IdentityRecord(identity=new_user.identity, email=address, upload_id=upload_id, created_at=now,
                                  expires_at=_epoch(now) + self.identity_retention_days * _SECONDS_PER_DAY)
        account = new_account(row.fields, address, organisation, now)
        writes: dict[str, Write] = {
            "account": NewAccount(account=account, password_hash=new_user.password_hash,
                                  must_change_password=new_user.generated, created_by_upload=upload_id),
            "address": AddressReservation(email=address, base=new_user.base, upload_id=upload_id, line=row.line),
            "identity": identity,
            "outcome": self.recorder.write(outcome),
            "change": created_record(account, self.recorder.provenance, line=row.line, at=now,
                                     password_supplied=not new_user.generated),
        }
        return writes, outcome

    def already_created(self, row: BatchRow, prior: IdentityRecord) -> RowOutcome:
        """Unchanged: an earlier upload created this person (docs/csv-format.md#safe-to-repeat)."""
        return self.recorder.record_alone(row.line, RowResult.UNCHANGED, already_created_message(prior),
                                          email=prior.email)


def created_message(organisation: Organisation, unit: str | None) -> str:
    """The Message of a Created row: where the user was put."""
    if unit:
        return f"Created in {organisation.name} ({organisation.ods}), unit {unit}."
    return (f"Created directly under {organisation.name} ({organisation.ods}), its parent organisation, because no "
            "Organisational Unit was given. To put them in a unit, upload a row with their Email Address and the "
            "Organisational Unit.")


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp())
