"""Validating an undo upload (docs/approval-and-plan.md#undo): its rows are the reverse of the
original upload's recorded changes, planned against the directory as it is, like any upload's.

An undo upload's file (undo_file.py) shows the rows; the changes themselves come from the record
of changes, which holds what a file cannot say (a value to clear, a leaver to move back). A row
whose account was changed by anything since the original upload is planned Unchanged, with a
warning in the validation report saying what changed it and when."""

from __future__ import annotations

from dataclasses import dataclass

from roster.contract.columns import UploadFormat
from roster.contract.findings import Finding, error, warning
from roster.model.rows import RowAction
from roster.model.uploads import Upload
from roster.ports import ChangeLog, ChangeStamps
from roster.undo.reversals import undo_row
from roster.validate.basis import PlannedAgainst
from roster.validate.upload import ValidationOutcome

FIRST_LINE = 2  # the undo file's header is line 1, as in any upload


@dataclass
class UndoPlanner:
    """Plans an undo upload's rows from the record of changes (the production one: roster.wiring)."""

    changes: ChangeLog
    stamps: ChangeStamps

    def plan(self, upload: Upload, reader: PlannedAgainst) -> ValidationOutcome:
        """The undo upload's validation: one row per recorded change of the upload it reverses, in
        that upload's line order, each planned against the account as first planned (PlannedAgainst)."""
        if upload.undo_of is None:
            raise ValueError(f"upload {upload.upload_id} is not an undo")
        records = list(self.changes.for_upload(upload.undo_of))
        snapshot = reader.snapshot(upload.uploader, set(), {record.email for record in records})
        stamps = self.stamps.last_changes({record.email for record in records})
        rows = [undo_row(FIRST_LINE + index, record, snapshot.account(record.email), self.changes.for_account,
                         stamps.get(record.email.lower()))
                for index, record in enumerate(records)]
        findings: list[Finding] = [warning(row.line, "Email Address", row.fields.email or "", row.note)
                                   for row in rows if row.note]
        # Decided from the directory when it is validated and applied, as for any upload: whoever
        # asked for it must still administer the organisations of the accounts it changes.
        findings.extend(error(row.line, "Organisation ODSCode", row.fields.ods or "",
                              f"You do not administer organisation {row.fields.ods}: this undo cannot change "
                              f"{row.fields.email}.")
                        for row in rows if row.action is not RowAction.UNCHANGED
                        and row.fields.ods not in snapshot.administered)
        if not rows:
            findings.append(warning(None, "", "",
                                    f"Upload {upload.undo_of} changed nothing: its undo changes nothing."))
        findings.sort(key=lambda f: (f.line or 0, f.severity.value))
        return ValidationOutcome(format=UploadFormat.CURRENT, findings=findings, rows=rows, row_count=len(rows))

