"""Files of an administrator's day (issue 22): a report uploaded back untouched is all
Unchanged, even with stored values that a spreadsheet would take for a formula; a validate-only
upload that applying would send for approval says so."""

from __future__ import annotations

from roster.api.report import organisation_report_csv
from roster.api.sample import sample_csv
from roster.contract.columns import UploadFormat
from roster.contract.plan_file import parse_plan_csv
from roster.contract.validation_report import parse_validation_report
from roster.model.directory import Account
from roster.model.uploads import UploadState
from tests.unit.conftest import ADMIN, Roster


def test_an_untouched_report_with_formula_like_values_uploads_back_all_unchanged(roster: Roster) -> None:
    for account in (Account(email="dash.one@nhs.net", first_name="Dash", last_name="One", ods="RX1", job_title="-"),
                    Account(email="eq.two@nhs.net", first_name="Eq", last_name="Two", ods="RX1",
                            display_name="=Ward 3", job_title="@Home visits"),
                    Account(email="plus.three@nhs.net", first_name="Plus", last_name="Three", ods="RX1",
                            job_title="+1 cover")):
        roster.directory.add_account(account)
    report = organisation_report_csv(a for a in roster.directory.accounts_by_email.values() if a.ods == "RX1")
    assert "'-" in report and "'=Ward 3" in report and "'@Home" in report  # escaped on the way out

    upload = roster.upload(report, validate_only=True, file_name="RX1-accounts.csv")

    assert upload.state is UploadState.VALIDATED, roster.files.text(upload.report_key or "")
    plan = parse_plan_csv(roster.files.text(upload.plan_key or ""))
    assert {line.action for line in plan} == {"Unchanged"} and len(plan) == 6


def test_a_formula_cell_that_is_not_escaped_is_still_refused(roster: Roster) -> None:
    text = organisation_report_csv([Account(email="dash.one@nhs.net", first_name="Dash", last_name="One",
                                            ods="RX1", job_title="Nurse")]).replace("Nurse", "=HYPERLINK(1)")
    roster.directory.add_account(Account(email="dash.one@nhs.net", first_name="Dash", last_name="One", ods="RX1"))

    upload = roster.upload(text, validate_only=True)

    assert upload.state is UploadState.INVALID
    assert "runs as a formula" in roster.files.text(upload.report_key or "")


def test_a_validate_only_upload_that_will_need_approval_says_why_and_who(roster: Roster) -> None:
    for n in range(30):
        roster.directory.add_account(Account(email=f"p{n}.x@york.nhs.net", first_name="P", last_name=f"X{n}",
                                             ods="RY2"))
    roster.directory.add_admin("second@nhs.net", {"RY2"})
    rows = "".join(f",,,,,,,,,,,p{n}.x@york.nhs.net,leaver\r\n" for n in range(26))
    header = ("Title,First Name,Last Name,Display Name,Job Title,Organisation ODSCode,Organisational Unit,"
              "Business Phone,Mobile Phone,Mailbox Size,Password,Email Address,Status\r\n")

    upload = roster.upload(header + rows, validate_only=True)

    assert upload.state is UploadState.VALIDATED
    assert upload.approval_reasons and "RY2" in upload.approval_reasons[0]
    assert upload.approval_administrators == {"RY2": sorted({ADMIN, "second@nhs.net"})}
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert "will wait for another administrator's approval" in email.body


def test_the_sample_file_uploaded_as_it_is_is_refused_naming_its_example_row(roster: Roster) -> None:
    for upload_format in UploadFormat:
        upload = roster.upload(sample_csv(upload_format), validate_only=True)

        assert upload.state is UploadState.INVALID
        [finding] = parse_validation_report(roster.files.text(upload.report_key or ""))
        assert finding.line == 2 and "sample file's example row" in finding.message and "delete" in finding.message


def test_a_row_copied_from_the_example_but_edited_is_a_real_row(roster: Roster) -> None:
    edited = sample_csv(UploadFormat.CURRENT).replace("EXAMPLE - delete this row", "Staff Nurse")

    upload = roster.upload(edited, validate_only=True)

    assert upload.state is UploadState.VALIDATED
