"""What an upload changed and an account's history (routes as docs/api.md#routes says,
docs/approval-and-plan.md#changes-and-history), from the record of changes.

A record is shown only to administrators of an organisation it concerns (the account's
organisation before or after the change); an account's history only to administrators of
the account's organisation now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from roster.api.access import Caller
from roster.api.downloads import CsvDownload, made_download
from roster.api.errors import BadRequest, Conflict, Forbidden, NotFound
from roster.api.uploads import UploadDesk
from roster.audit.changes_file import APPLIED_STATES, changes_csv, history
from roster.emails import file_stem
from roster.ports import ChangeLog, Directory

_MAX_ADDRESS = 254


@dataclass
class RecordsDesk:
    """changes.csv and history on the ports."""

    uploads: UploadDesk
    changes: ChangeLog
    directory: Directory

    def changes_csv(self, caller: Caller, upload_id: str) -> CsvDownload:
        """What the upload changed (`GET /uploads/{id}/changes.csv`): the records of organisations
        the caller administers, in line order."""
        upload = self.uploads.visible(caller, upload_id)
        if upload.state not in APPLIED_STATES:
            raise Conflict(f"Upload {upload_id} has changed nothing: it is {upload.state.value}, and only an applied "
                           "upload has changes; its plan says what it would do (roster plan).")
        records = (r for r in self.changes.for_upload(upload.upload_id) if r.organisations & caller.administered)
        return made_download(self.uploads.files, f"{file_stem(upload.file_name)}-changes.csv", changes_csv(records))

    def history(self, caller: Caller, raw_email: str) -> dict[str, Any]:
        """Every recorded change to one account, newest first (`GET /accounts/{email}/history`)."""
        caller.require_an_organisation()
        email = unquote(raw_email).strip().lower()
        if "@" not in email or len(email) > _MAX_ADDRESS:
            raise BadRequest("Give the account's email address, such as /accounts/jane.doe@nhs.net/history.")
        account = self.directory.account(email)
        if account is None:
            raise NotFound(f"No account has the address {email}.")
        if account.ods not in caller.administered:
            raise Forbidden("You do not administer the organisation of this account, so you cannot see its history.")
        return history(email, self.changes.for_account(email))
