"""Batch files: validated rows cut into batches in S3, and the batch list the Distributed Map reads.

moto's ASL grammar has no ItemBatcher, and an S3 JSON ItemReader works on AWS and moto alike,
so validate writes the batches itself."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from roster.model.directory import Account
from roster.model.reversal import Reversal
from roster.model.rows import PlannedRow, RowAction, UserFields
from roster.passwords.sealing import UploadCipher
from roster.ports import UploadFiles


class BatchRow(BaseModel):
    """A planned row as stored in a batch file: the supplied password only sealed."""

    line: int
    action: RowAction
    fields: UserFields  # password always None here
    sealed_password: str | None = None
    # The account as validation planned the row against
    # (docs/approval-and-plan.md#applying-what-was-planned-the-plan-is-binding).
    basis: Account | None = None
    reversal: Reversal | None = None  # an undo row: the change it reverses (docs/approval-and-plan.md#undo)

    @property
    def is_new_user(self) -> bool:
        """A blank Email Address: planned CREATE, or UNCHANGED when an earlier upload created the user."""
        return self.fields.email is None


def password_purpose(line: int) -> str:
    """Associated data for a supplied password: it cannot be moved to another row."""
    return f"supplied-password:{line}"


def generated_password_purpose(line: int) -> str:
    """Associated data for a generated password: it cannot be moved to another row."""
    return f"generated-password:{line}"


def batch_list_key(upload_id: str) -> str:
    """Where an upload's list of batch files is (the Distributed Map's ItemReader)."""
    return f"batches/{upload_id}/batches.json"


def write_batches(uploads: UploadFiles, upload_id: str, rows: list[PlannedRow], batch_size: int,
                  cipher: UploadCipher, basis: Mapping[str, Account] | None = None) -> tuple[str, int]:
    """Write the rows as batch files and the batch list, each row with the account it was planned
    against (`basis`, by address); returns the list's key and batch count."""
    planned_against = basis or {}
    entries: list[dict[str, Any]] = []
    for start in range(0, len(rows), batch_size):
        batch_no = start // batch_size + 1
        stored = [_to_batch_row(row, cipher, planned_against).model_dump(mode="json", exclude_none=True)
                  for row in rows[start : start + batch_size]]
        key = f"batches/{upload_id}/{batch_no:05d}.json"
        uploads.put_json(key, stored)
        entries.append({"batch_key": key, "batch_no": batch_no})
    uploads.put_json(batch_list_key(upload_id), entries)
    return batch_list_key(upload_id), len(entries)


def read_batch(uploads: UploadFiles, key: str) -> list[BatchRow]:
    """The rows of one batch file."""
    return [BatchRow.model_validate(row) for row in uploads.get_json(key)]


def read_all_batches(uploads: UploadFiles, upload_id: str) -> list[BatchRow]:
    """Every planned row of an upload, in file order."""
    rows: list[BatchRow] = []
    for entry in uploads.get_json(batch_list_key(upload_id)):
        rows.extend(read_batch(uploads, entry["batch_key"]))
    return rows


def planned_lines(uploads: UploadFiles, upload_id: str) -> Iterator[int]:
    """The line of every planned row of an upload, in file order, one batch file at a time."""
    for entry in uploads.get_json(batch_list_key(upload_id)):
        # Only the line is wanted: validating whole BatchRow models would cost far more memory.
        yield from (int(row["line"]) for row in uploads.get_json(entry["batch_key"]))


def _to_batch_row(row: PlannedRow, cipher: UploadCipher, basis: Mapping[str, Account]) -> BatchRow:
    sealed = cipher.seal(row.fields.password, password_purpose(row.line)) if row.fields.password else None
    return BatchRow(line=row.line, action=row.action, fields=row.fields.model_copy(update={"password": None}),
                    sealed_password=sealed, basis=basis.get((row.fields.email or "").lower()),
                    reversal=Reversal.model_validate(row.reversal) if row.reversal else None)
