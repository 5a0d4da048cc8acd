"""An upload may touch at most 100 organisations (roster.validate.organisation_limit): all its
holds go in one DynamoDB transaction, which takes at most 100 items."""

from __future__ import annotations

from roster.model.directory import Organisation
from roster.model.uploads import UploadState
from roster.validate.organisation_limit import MAX_ORGANISATIONS, organisation_limit_finding
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, Roster


def _organisations(roster: Roster, count: int) -> list[str]:
    codes = [f"Q{n:04d}" for n in range(count)]
    for code in codes:
        roster.directory.add_organisation(Organisation(ods=code, name=f"Practice {code}", domain="nhs.net"))
    roster.directory.add_admin(ADMIN, set(codes))
    return codes


def _file(codes: list[str]) -> str:
    return current_csv(*(f"Mr,Sam,Person{chr(97 + n // 26)}{chr(97 + n % 26)},,Porter,{code},,,,,,,"
                         for n, code in enumerate(codes)))


def test_given_a_file_touching_101_organisations_then_it_is_refused_whole_naming_the_limit(roster: Roster) -> None:
    codes = _organisations(roster, MAX_ORGANISATIONS + 1)

    upload = roster.upload(_file(codes))

    assert upload.state is UploadState.INVALID and upload.counts["errors"] == 1
    report = roster.files.text(upload.report_key or "")
    assert "This file touches 101 organisations" in report and "at most 100" in report
    assert "Split the file into files of at most 100 organisations" in report
    assert roster.workflow.executions == {} and roster.queue.queued == {} and upload.batch_list_key is None
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject == "Validation failed: users.csv"


def test_given_a_file_touching_100_organisations_then_it_goes_on_to_create(roster: Roster) -> None:
    codes = _organisations(roster, MAX_ORGANISATIONS)

    upload = roster.upload(_file(codes))

    assert upload.state is UploadState.CREATING and len(upload.orgs) == MAX_ORGANISATIONS


def test_the_limit_counts_distinct_organisations() -> None:
    assert organisation_limit_finding([f"Q{n}" for n in range(100)]) is None
    finding = organisation_limit_finding([f"Q{n}" for n in range(101)])
    assert finding is not None and finding.line is None and finding.is_error
