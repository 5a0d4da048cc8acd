"""The messages of an administrator's day (issue 22): warning lines named, how to apply, no
advice about screens Roster does not have, the joiner's expected notice not a warning."""

import shlex

import pytest

from roster.contract.findings import JOINER_NOTICE, error, warning
from roster.create.new_users import created_message
from roster.emails import upload_complete_email, validated_email
from roster.model.directory import Organisation
from roster.notify.email_files import EmailFile, FileKind
from roster.passwords.generated import generate_password
from roster.passwords.policy import password_problems
from roster.rules import InvalidCell
from roster.rules.phones import mobile_phone
from roster.validate.upload import UploadLimits, ValidationOutcome, validate_upload
from roster_local.serve.admin_password import local_admin_password
from tests.unit.fakes import FakeDirectory

SENDER, ADMIN = "Roster <roster@example.nhs.net>", "admin@example.nhs.net"


def test_upload_complete_names_the_lines_with_warnings():
    email = upload_complete_email(SENDER, ADMIN, "staff.csv", "job-1", {"rows": 9, "warnings": 2}, _results(),
                                  warning_lines=[4, 7])

    assert "2 warnings (lines 4 and 7)" in email.body


def test_upload_complete_names_one_line_and_shortens_a_long_list():
    one = upload_complete_email(SENDER, ADMIN, "s.csv", "j", {"warnings": 1}, _results(), warning_lines=[12])
    many = upload_complete_email(SENDER, ADMIN, "s.csv", "j", {"warnings": 30}, _results(),
                                 warning_lines=list(range(2, 32)))

    assert "1 warning (line 12)" in one.body
    assert "lines 2, 3," in many.body and "21 and 10 more)" in many.body


def test_validated_email_says_how_to_apply_and_warns_of_an_approval_ahead():
    email = validated_email(SENDER, ADMIN, "leavers.csv", "job-2", 30, 0, _report(), approval_reasons=[
        "30 of the 40 active accounts of RY2 (75%) would be marked as leavers"])

    assert "roster apply job-2" in email.body and "Upload button" in email.body
    assert "will wait for another administrator's approval" in email.body and "30 of the 40" in email.body
    assert "without validate-only" not in email.body


def test_a_user_created_without_a_unit_is_told_how_to_set_one_with_roster():
    message = created_message(Organisation(ods="RX1", name="Leeds Trust", domain="nhs.net"), None)

    assert "edit screen" not in message and "Organisational Unit" in message and "Email Address" in message


def test_the_joiner_notice_is_in_the_report_but_not_counted_as_a_warning():
    outcome = ValidationOutcome(findings=[warning(3, "Email Address", "a@nhs.net", JOINER_NOTICE),
                                      warning(4, "Mobile Phone", "x", "looks odd"), error(5, "Title", "Zz", "bad")])

    assert outcome.warnings == 1 and outcome.errors == 1
    assert not outcome.findings[0].needs_checking and outcome.findings[1].needs_checking


def test_generated_passwords_hold_no_symbol_that_is_hard_to_read_out_and_still_meet_the_policy():
    for _ in range(300):
        password = generate_password()
        assert not set(password) & set("~^_%$#")
        assert password_problems(password) == []


def test_local_serve_password_needs_no_quoting_in_a_shell_and_meets_the_pool_policy():
    for _ in range(300):
        password = local_admin_password()
        assert shlex.quote(password) == password  # nothing a shell reads specially
        assert len(password) >= 14 and any(c.islower() for c in password) and any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password) and "-" in password


def test_a_semicolon_separated_file_is_told_about_semicolons():
    text = "Title;First Name;Last Name;Job Title;Organisation ODSCode\r\nDr;Amir;Khan;Porter;RX1\r\n"

    outcome = validate_upload(text.encode(), "admin@example.nhs.net", FakeDirectory(), UploadLimits(100, 10**6))

    [finding] = outcome.findings
    assert "semicolons" in finding.message and "comma" in finding.message and "Save the file again" in finding.message


@pytest.mark.parametrize("value", ["07700 900123", "+44 7700 900000", "07700900999"])
def test_ofcom_drama_numbers_get_their_reason(value):
    with pytest.raises(InvalidCell, match="Ofcom keeps for TV and drama"):
        mobile_phone(value, "Mobile Phone")


def test_a_real_mobile_near_the_drama_range_is_accepted():
    assert mobile_phone("07700 100000", "Mobile Phone") == "+447700100000"


def _results() -> EmailFile:
    return EmailFile(FileKind.RESULTS, "staff-results.csv", "results/j/staff-results.csv", content=b"x")


def _report() -> EmailFile:
    return EmailFile(FileKind.VALIDATION, "leavers-validation.csv", "reports/j/validation.csv", content=b"Line\r\n")
