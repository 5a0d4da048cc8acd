"""`GET /uploads/{id}/changes.csv` and `GET /accounts/{email}/history` on fakes
(docs/approval-and-plan.md#changes-and-history): each record only to administrators of an
organisation it concerns; history only to administrators of the account's organisation."""

from __future__ import annotations

import csv
import io

from roster.model.changes import ChangeRecord, FieldValues
from roster.model.directory import Account
from roster.model.uploads import UploadState
from tests.unit.api.conftest import ADMIN, PRACTICE

AT = "2026-03-01T08:00:00+00:00"


def _record(api, upload_id: str, line: int, email: str, ods: str, action: str = "Update",
            ods_before: str | None = None) -> ChangeRecord:
    record = ChangeRecord(email=email, source_id=upload_id, line=line, by=ADMIN, at=AT, action=action,
                          fields=(FieldValues(field="job_title", old="Nurse", new="Lead Nurse"),),
                          ods_before=ods_before or ods, ods_after=ods, status_before="active", status_after="active",
                          expires_at=1)
    api.changes.change_records[(email, "upload", upload_id, line)] = record
    return record


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_changes_csv_lists_what_was_applied_in_line_order(api):
    upload = api.upload(UploadState.COMPLETED, orgs=("RX1", "Y0301"))
    _record(api, upload.upload_id, 3, "lucy.gray@nhs.net", "Y0301")
    _record(api, upload.upload_id, 2, "amir.khan@nhs.net", "RX1")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/changes.csv")

    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert 'filename="staff-changes.csv"' in answer.headers["Content-Disposition"]
    assert [(r["Line"], r["Email Address"], r["Field"], r["Old"], r["New"], r["Applied At"])
            for r in _rows(answer.body)] == [("2", "amir.khan@nhs.net", "Job Title", "Nurse", "Lead Nurse", AT),
                                             ("3", "lucy.gray@nhs.net", "Job Title", "Nurse", "Lead Nurse", AT)]


def test_changes_csv_shows_the_uploader_only_the_records_of_organisations_they_administer(api):
    upload = api.upload(UploadState.COMPLETED, uploader=PRACTICE, orgs=("RX1", "Y0301"))
    _record(api, upload.upload_id, 2, "amir.khan@nhs.net", "RX1")
    _record(api, upload.upload_id, 3, "lucy.gray@nhs.net", "Y0301")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/changes.csv", as_admin=PRACTICE)

    assert [r["Email Address"] for r in _rows(answer.body)] == ["lucy.gray@nhs.net"]


def test_changes_csv_of_an_upload_not_applied_is_409_saying_why(api):
    upload = api.upload(UploadState.VALIDATED)

    answer = api.request("GET", f"/uploads/{upload.upload_id}/changes.csv")

    assert answer.status == 409 and "only an applied upload has changes" in answer.json()["message"]


def test_history_is_newest_first_for_the_accounts_administrators(api):
    api.directory.add_account(Account(email="amir.khan@nhs.net", first_name="Amir", last_name="Khan", ods="RX1"))
    first = api.upload(UploadState.COMPLETED)
    second = api.upload(UploadState.COMPLETED)
    _record(api, first.upload_id, 2, "amir.khan@nhs.net", "RX1")
    later = _record(api, second.upload_id, 5, "amir.khan@nhs.net", "RX1", action="Joiner", ods_before="RY2")
    api.changes.change_records[("amir.khan@nhs.net", "upload", second.upload_id, 5)] = later.model_copy(
        update={"at": "2026-03-02T08:00:00+00:00"})

    answer = api.request("GET", "/accounts/Amir.Khan%40nhs.net/history")

    assert answer.status == 200
    assert answer.json() == {"email": "amir.khan@nhs.net", "changes": [
        {"upload_id": second.upload_id, "channel": "upload", "by": ADMIN, "at": "2026-03-02T08:00:00+00:00",
         "action": "Joiner", "field": "Job Title", "old": "Nurse", "new": "Lead Nurse"},
        {"upload_id": first.upload_id, "channel": "upload", "by": ADMIN, "at": AT, "action": "Update",
         "field": "Job Title", "old": "Nurse", "new": "Lead Nurse"}]}


def test_history_is_refused_to_other_organisations_and_unknown_accounts_are_404(api):
    api.directory.add_account(Account(email="amir.khan@nhs.net", first_name="Amir", last_name="Khan", ods="RX1"))

    assert api.request("GET", "/accounts/amir.khan%40nhs.net/history", as_admin=PRACTICE).status == 403
    assert api.request("GET", "/accounts/nobody%40nhs.net/history").status == 404
    assert api.request("GET", "/accounts/not-an-address/history").status == 400
