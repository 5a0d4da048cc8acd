"""The plan of a validated upload (docs/approval-and-plan.md#the-plan) on in-memory fakes: one line per changed
field of an update or a joiner with the stored values, one line for other rows, and the
address each new user would get now."""

from __future__ import annotations

import email
from email import policy

from roster.contract.plan_file import PLAN_COLUMNS, PlanLine, parse_plan_csv
from roster.emails import to_mime
from roster.model.directory import Account
from roster.model.uploads import UploadState
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, Roster

PASSWORD = "Xk9#mQ2$vL7!pR"
LEGACY_HEADER = "Surname,Forename,Title,ODS Code,Department,Job Role,Telephone,Mobile,Password,Mailbox Quota (MB)"


def _plan(roster: Roster, text: str, **kwargs) -> list[PlanLine]:
    upload = roster.upload(text, validate_only=True, **kwargs)
    assert upload.state is UploadState.VALIDATED and upload.plan_key == f"reports/{upload.upload_id}/plan.csv"
    return parse_plan_csv(roster.files.text(upload.plan_key))


def _changes(lines: list[PlanLine]) -> list[tuple[str, str, str]]:
    return [(line.field, line.old, line.new) for line in lines]


def test_given_an_update_of_every_field_then_each_change_is_one_line_with_stored_values(roster: Roster) -> None:
    lines = _plan(roster, current_csv(
        f'dr.,Amir,Khan-Smith,"KHAN, Amir",Lead Radiographer,rx1,Cardiology,0113 496 0000,07912 345200,8 GB,'
        f"{PASSWORD},Amir.Khan@nhs.net,"))

    assert {(line.line, line.action, line.email) for line in lines} == {(2, "Update", "amir.khan@nhs.net")}
    assert _changes(lines) == [
        ("Title", "", "Dr"),
        ("Last Name", "Khan", "Khan-Smith"),
        ("Display Name", "", "KHAN, Amir"),
        ("Job Title", "Radiographer", "Lead Radiographer"),
        ("Organisational Unit", "Radiology", "Cardiology"),
        ("Business Phone", "", "+441134960000"),
        ("Mobile Phone", "+447912345000", "+447912345200"),
        ("Mailbox Size", "4", "8"),
        ("Password", "********", "********"),
    ]


def test_given_a_password_alone_then_the_update_is_one_masked_password_line(roster: Roster) -> None:
    lines = _plan(roster, current_csv(f",,,,,,,,,,{PASSWORD},sarah.oconnor@nhs.net,"))

    assert lines == [PlanLine(2, "Update", "sarah.oconnor@nhs.net", "Password", "********", "********")]


def test_given_a_joiner_then_its_move_status_and_cells_are_lines_in_column_order(roster: Roster) -> None:
    lines = _plan(roster, current_csv(",,,,Cardiac Physiologist,RY2,District Nursing,,07912 345201,,,tom.baker@nhs.net,"))

    assert {(line.action, line.email) for line in lines} == {("Joiner", "tom.baker@nhs.net")}
    assert _changes(lines) == [
        ("Job Title", "", "Cardiac Physiologist"),
        ("Organisation ODSCode", "RX1", "RY2"),
        ("Organisational Unit", "Cardiology", "District Nursing"),
        ("Mobile Phone", "", "+447912345201"),
        ("Status", "leaver", "active"),
    ]


def test_given_a_joiner_without_a_unit_then_the_old_organisation_unit_is_removed(roster: Roster) -> None:
    lines = _plan(roster, current_csv(",,,,,RX1,,,,,,tom.baker@nhs.net,"))

    assert _changes(lines) == [("Organisational Unit", "Cardiology", ""), ("Status", "leaver", "active")]


def test_given_leaver_and_unchanged_rows_then_each_is_one_line_with_blank_fields(roster: Roster) -> None:
    lines = _plan(roster, current_csv(
        ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
        ",,,,Radiographer,,Radiology,,07912 345000,4GB,,amir.khan@nhs.net,",
        ",,,,,,,,,,,tom.baker@nhs.net,Leaver",
    ))

    assert lines == [PlanLine(2, "Leaver", "sarah.oconnor@nhs.net"), PlanLine(3, "Unchanged", "amir.khan@nhs.net"),
                     PlanLine(4, "Unchanged", "tom.baker@nhs.net")]


def test_given_new_users_then_each_is_one_create_line_at_the_address_it_would_get_now(roster: Roster) -> None:
    lines = _plan(roster, current_csv(",Zoë,Ødegård,,Nurse,RX1,,,,,,,", ",Noah,Williams,,Nurse,RY2,,,,,,,"))

    assert lines == [PlanLine(2, "Create", "zoe.odegard@nhs.net"), PlanLine(3, "Create", "noah.williams@york.nhs.net")]


def test_given_taken_suffixes_and_two_rows_of_one_name_then_each_gets_the_next_free_address(roster: Roster) -> None:
    for address in ("jane.doe@nhs.net", "jane.doe2@nhs.net"):
        roster.directory.add_account(Account(email=address, first_name="Jane", last_name="Doe", ods="RX1"))
    roster.directory.reservations["jane.doe4@nhs.net"] = "jane.doe@nhs.net"  # reserved by an earlier upload

    lines = _plan(roster, current_csv(",Jane,Doe,,Nurse,RX1,,,,,,,", ",Ann,Lee,,Porter,RX1,,,,,,,",
                                      ",Jane,Doe,,Porter,RX1,,,,,,,", ",Jane,Doe,,Midwife,RX1,,,,,,,"))

    assert [(line.line, line.email) for line in lines] == [
        (2, "jane.doe1@nhs.net"), (3, "ann.lee@nhs.net"), (4, "jane.doe3@nhs.net"), (5, "jane.doe5@nhs.net")]
    assert roster.directory.reads == {"reserved_addresses": 3}  # batched rounds, no base read in full


def test_given_a_crowded_name_then_its_base_is_read_in_full_once(roster: Roster) -> None:
    for n in range(12):
        roster.directory.reservations[f"ann.lee{n or ''}@nhs.net"] = "ann.lee@nhs.net"

    lines = _plan(roster, current_csv(",Ann,Lee,,Nurse,RX1,,,,,,,", ",Ann,Lee,,Porter,RX1,,,,,,,"))

    assert [line.email for line in lines] == ["ann.lee12@nhs.net", "ann.lee13@nhs.net"]
    assert roster.directory.reads == {"reserved_addresses": 3, "taken_suffixes": 1}


def test_given_free_addresses_then_the_preview_is_one_batched_read(roster: Roster) -> None:
    rows = [f",Person{chr(97 + i % 26)},Name{chr(97 + i // 26)},,Nurse,RX1,,,,,,," for i in range(60)]
    lines = _plan(roster, current_csv(*rows))

    assert len({line.email for line in lines}) == 60
    assert roster.directory.reads == {"reserved_addresses": 1}


def test_given_a_person_an_earlier_upload_created_then_the_plan_says_unchanged_at_their_address(
        roster: Roster) -> None:
    row = "Dr,Jane,Doe,,Nurse,RX1,Cardiology,,,,,,"
    roster.apply(current_csv(row))

    lines = _plan(roster, current_csv(row, ",Jane,Doe,,Porter,RX1,,,,,,,"), file_name="again.csv")

    assert lines == [PlanLine(2, "Unchanged", "jane.doe@nhs.net"), PlanLine(3, "Create", "jane.doe1@nhs.net")]


def test_given_a_legacy_file_then_every_row_is_a_create_line(roster: Roster) -> None:
    text = "\r\n".join((LEGACY_HEADER, "Doe,Jane,Dr,RX1,Cardiology,Nurse,,,,4096", "Lee,Ann,,RY2,,,,,,")) + "\r\n"

    assert _plan(roster, text) == [PlanLine(2, "Create", "jane.doe@nhs.net"), PlanLine(3, "Create", "ann.lee@york.nhs.net")]


def test_given_a_file_with_an_error_then_it_has_no_plan(roster: Roster) -> None:
    upload = roster.upload(current_csv(",Jane,Doe,,Nurse,RX9,,,,,,,"), validate_only=True)

    assert upload.state is UploadState.INVALID and upload.plan_key is None
    assert [key for key in roster.files.objects if key.endswith("plan.csv")] == []


def test_given_an_upload_that_is_applied_then_its_plan_is_written_too(roster: Roster) -> None:
    upload = roster.upload(current_csv(",Jane,Doe,,Nurse,RX1,,,,,,,"))

    assert upload.state is UploadState.CREATING
    assert parse_plan_csv(roster.files.text(upload.plan_key or "")) == [PlanLine(2, "Create", "jane.doe@nhs.net")]


def test_given_a_validate_only_upload_then_its_email_attaches_the_report_and_the_plan(roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,,,,,,,,sarah.oconnor@nhs.net,leaver"), validate_only=True,
                           file_name="leavers.csv")

    [sent] = roster.mailer.emails_for(upload.upload_id)
    message = email.message_from_bytes(to_mime(sent), policy=policy.default)
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert list(files) == ["leavers-validation.csv", "leavers-plan.csv"]
    assert files["leavers-plan.csv"].lstrip("\ufeff").startswith(",".join(PLAN_COLUMNS) + "\r\n")
    assert "2,Leaver,sarah.oconnor@nhs.net,,," in files["leavers-plan.csv"]
    assert "leavers-plan.csv, shows what each row would do" in sent.body
    assert message["To"] == ADMIN


def test_given_a_joiner_from_an_organisation_the_uploader_does_not_administer_then_its_old_values_stay_hidden(
        roster: Roster) -> None:
    # York's administrator brings back Tom, a leaver of Leeds (RX1), whose details they cannot read in its report.
    roster.directory.add_admin("york.only@york.nhs.net", {"RY2"})

    lines = _plan(roster, current_csv(",,,,Cardiac Physiologist,RY2,District Nursing,,07912 345201,,,"
                                      "tom.baker@nhs.net,"), admin="york.only@york.nhs.net")

    assert _changes(lines) == [
        ("Job Title", "", "Cardiac Physiologist"),
        ("Organisation ODSCode", "", "RY2"),
        ("Organisational Unit", "", "District Nursing"),
        ("Mobile Phone", "", "+447912345201"),
        ("Status", "leaver", "active"),
    ]
