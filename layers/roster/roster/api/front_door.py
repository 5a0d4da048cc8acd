"""The front door as one object: who is calling, the uploads desk, the organisation report,
and what a client needs to sign in (docs/api.md#sign-in and #http-api)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roster.api.access import Caller, signed_in_user
from roster.api.downloads import CsvDownload, made_download
from roster.api.errors import BadRequest
from roster.api.records import RecordsDesk
from roster.api.report import organisation_report_csv, report_file_name
from roster.api.undo import UndoDesk
from roster.api.uploads import UploadDesk
from roster.ports import Directory

_ODS = "3 to 10 letters or digits"


@dataclass
class FrontDoor:
    """What the HTTP API's routes call."""

    uploads: UploadDesk
    directory: Directory
    sign_in: dict[str, Any]  # GET /config: region, user pool, client, endpoints
    records: RecordsDesk | None = None  # changes.csv and history (the record of changes)
    undo: UndoDesk | None = None  # POST /uploads/{id}/undo

    def caller(self, claims: dict[str, Any]) -> Caller:
        """The administrator bound to the verified token's Cognito user (its `sub`), and what they
        administer now. A user no directory load bound administers nothing, whatever its email."""
        user = signed_in_user(claims)
        email = self.directory.administrator_email(user.sub)
        if email is None:
            return Caller(user.email, frozenset())
        return Caller(email, self.directory.administered(email))

    def me(self, caller: Caller) -> dict[str, Any]:
        """Who the token says is calling and the organisations they administer, by name (`GET /me`), in one
        batched read. An administrator of no organisation gets an empty list, not 403: it is the answer."""
        found = self.directory.organisations(set(caller.administered))
        organisations = [{"ods": ods, "name": found[ods].name if ods in found else ""}
                         for ods in caller.administered]
        organisations.sort(key=lambda o: (not o["name"], o["name"].casefold(), o["ods"]))  # by name; unnamed last
        return {"email": caller.email, "organisations": organisations}

    def organisation_report(self, caller: Caller, ods: str | None) -> CsvDownload:
        """The organisation's accounts in the current upload format (`GET /report.csv`, docs/api.md#routes)."""
        code = (ods or "").strip().upper()
        if not code.isalnum() or not 3 <= len(code) <= 10:
            raise BadRequest(f"Give ?ods= the organisation's ODS code ({_ODS}).")
        caller.require_administers(code)
        organisation = self.directory.organisations({code}).get(code)
        text = organisation_report_csv(self.directory.accounts_in(code), organisation)
        return made_download(self.uploads.files, report_file_name(code), text)
