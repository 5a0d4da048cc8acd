"""The validation engine end to end, against an in-memory directory (docs/csv-format.md#files to #validation-report)."""

from __future__ import annotations

import pytest

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, RESULT_COLUMNS, UploadFormat
from roster.contract.findings import Finding, Severity
from roster.model.directory import Account, AccountStatus, Organisation
from roster.model.rows import RowAction, UserFields
from roster.validate.planning import JOINER_MESSAGE
from roster.validate.upload import NOTHING_ADMINISTERED, UploadLimits, ValidationOutcome, validate_upload
from tests.unit.fakes import FakeDirectory

ADMIN = "admin@nhs.net"
LEEDS = Organisation(ods="RX1", name="Leeds Teaching Hospitals", domain="nhs.net", units=("Cardiology", "Radiology"))
YORK = Organisation(ods="RX2", name="York Hospital", domain="nhs.net", mailbox_max_gb=50)
HULL = Organisation(ods="RX3", name="Hull Royal Infirmary", domain="nhs.net")  # not administered
ACCOUNTS = {
    a.email: a
    for a in (
        Account(email="jane.smith@nhs.net", first_name="Jane", last_name="Smith", ods="RX1", job_title="Nurse",
                title="Dr", mobile_phone="+447912345678"),
        Account(email="old.leaver@nhs.net", first_name="Old", last_name="Leaver", ods="RX3",
                status=AccountStatus.LEAVER),
        Account(email="gone.already@nhs.net", first_name="Gone", last_name="Already", ods="RX1",
                status=AccountStatus.LEAVER),
        Account(email="hull.person@nhs.net", first_name="Hull", last_name="Person", ods="RX3"),
    )
}


def a_directory(administered: frozenset[str] = frozenset({"RX1", "RX2"}),
                organisations: tuple[Organisation, ...] = (LEEDS, YORK, HULL)) -> FakeDirectory:
    """The directory these tests validate against: ACCOUNTS, and ADMIN administering `administered`."""
    directory = FakeDirectory()
    for organisation in organisations:
        directory.add_organisation(organisation)
    directory.add_admin(ADMIN, administered)
    for account in ACCOUNTS.values():
        directory.add_account(account)
    return directory


def row(**cells: str) -> str:
    """A current-format data row from keyword cells (first_name="Jane" -> First Name)."""
    by_name = {c.lower().replace(" ", "_").replace("organisation_odscode", "ods"): c for c in CURRENT_COLUMNS}
    values = {by_name[k]: v for k, v in cells.items()}
    return ",".join(_quoted(values.get(c, "")) for c in CURRENT_COLUMNS)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\r\n') else cell


def upload(*rows: str, header: str = ",".join(CURRENT_COLUMNS), newline: str = "\r\n",
           directory: FakeDirectory | None = None, limits: UploadLimits | None = None,
           encoding: str = "utf-8") -> ValidationOutcome:
    text = newline.join((header, *rows)) + newline
    return validate_upload(text.encode(encoding), ADMIN, directory or a_directory(), limits or UploadLimits())


def errors(outcome: ValidationOutcome) -> list[tuple[int | None, str, str]]:
    return [(f.line, f.column, f.message) for f in outcome.findings if f.severity is Severity.ERROR]


def only_finding(outcome: ValidationOutcome) -> Finding:
    assert len(outcome.findings) == 1, outcome.findings
    return outcome.findings[0]


NEW_JANE = dict(title="dr.", first_name="Jane", last_name="Doe", job_title="Nurse", ods="rx1",
                organisational_unit="cardiology", business_phone="0113 496 0000", mobile_phone="07912 345679")


# --- row actions (section 4) --------------------------------------------------------------

def test_a_new_user_row_is_created_with_normalised_fields_and_defaults() -> None:
    outcome = upload(row(**NEW_JANE))
    assert outcome.ok and outcome.findings == [] and outcome.row_count == 1
    assert outcome.format is UploadFormat.CURRENT and not outcome.is_results_file
    [planned] = outcome.rows
    assert planned.line == 2 and planned.action is RowAction.CREATE
    assert planned.fields == UserFields(
        title="Dr", first_name="Jane", last_name="Doe", display_name="DOE, Jane (Leeds Teaching Hospitals)",
        job_title="Nurse", ods="RX1", unit="Cardiology", business_phone="+441134960000",
        mobile_phone="+447912345679", mailbox_gb=4, password=None, email=None, status=None,
    )


def test_a_given_display_name_mailbox_and_password_are_kept() -> None:
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX2", display_name="Dr Ann Lee",
                         mailbox_size="8 GB", password="Xk9#mQ2$vL7!pR"))
    [planned] = outcome.rows
    assert planned.fields.display_name == "Dr Ann Lee"
    assert planned.fields.mailbox_gb == 8 and planned.fields.password == "Xk9#mQ2$vL7!pR"
    assert planned.fields.unit is None  # blank unit: directly under the organisation


def test_the_default_display_name_drops_an_organisation_name_that_makes_it_too_long() -> None:
    directory = a_directory(organisations=(Organisation(ods="RX1", name="N" * 250, domain="nhs.net"),))
    [planned] = upload(row(first_name="Ann", last_name="Lee", ods="RX1"), directory=directory).rows
    assert planned.fields.display_name == "LEE, Ann"


def test_a_leaver_row_marks_an_active_account_and_ignores_other_cells() -> None:
    outcome = upload(row(email_address="Jane.Smith@NHS.net", status="Leaver", mobile_phone="not a phone",
                         ods="RX9", job_title="x" * 500))
    assert outcome.findings == []
    [planned] = outcome.rows
    assert planned.action is RowAction.LEAVER
    assert planned.fields == UserFields(email="jane.smith@nhs.net", status="leaver", ods="RX1")


def test_a_leaver_row_still_refuses_a_formula_cell() -> None:
    outcome = upload(row(email_address="jane.smith@nhs.net", status="leaver", job_title="=HYPERLINK(1)"))
    [(line, column, message)] = errors(outcome)
    assert (line, column) == (2, "Job Title") and "formula" in message


def test_a_leaver_of_a_leaver_is_unchanged() -> None:
    [planned] = upload(row(email_address="gone.already@nhs.net", status="leaver")).rows
    assert planned.action is RowAction.UNCHANGED


def test_a_new_user_cannot_be_a_leaver() -> None:
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX1", status="leaver"))
    assert errors(outcome) == [(2, "Status", "A new user cannot be a leaver: give the Email Address of the account "
                                             "to mark as a leaver, or leave Status blank to create a user.")]
    assert outcome.rows == []


def test_a_leaver_account_with_blank_status_is_a_joiner_with_the_portal_message() -> None:
    outcome = upload(row(email_address="old.leaver@nhs.net", ods="rx2", job_title="Porter"))
    assert outcome.ok
    assert [(f.line, f.column, f.severity, f.message) for f in outcome.findings] == [
        (2, "Email Address", Severity.WARNING, JOINER_MESSAGE)
    ]
    assert JOINER_MESSAGE == "User already exists in Leaver state and will be moved to given Organisation"
    [planned] = outcome.rows
    assert planned.action is RowAction.JOINER
    assert planned.fields == UserFields(job_title="Porter", ods="RX2", email="old.leaver@nhs.net")


def test_a_joiner_needs_an_administered_organisation() -> None:
    missing = upload(row(email_address="old.leaver@nhs.net"))
    [(_, column, message)] = errors(missing)
    assert column == "Organisation ODSCode"
    assert message.startswith("Organisation ODSCode is required: old.leaver@nhs.net is a leaver")
    elsewhere = upload(row(email_address="old.leaver@nhs.net", ods="RX3"))
    assert errors(elsewhere)[0][1] == "Organisation ODSCode"
    assert "You do not administer organisation RX3 (Hull Royal Infirmary)" in errors(elsewhere)[0][2]


def test_an_update_applies_only_non_blank_cells() -> None:
    outcome = upload(row(email_address="jane.smith@nhs.net", job_title="Ward Manager", ods="RX1"))
    [planned] = outcome.rows
    assert planned.action is RowAction.UPDATE
    assert planned.fields == UserFields(job_title="Ward Manager", ods="RX1", email="jane.smith@nhs.net")


def test_an_update_that_changes_nothing_is_unchanged() -> None:
    outcome = upload(row(email_address="jane.smith@nhs.net", title="dr", job_title="Nurse",
                         mobile_phone="+44 7912 345678"))
    [planned] = outcome.rows
    assert planned.action is RowAction.UNCHANGED


def test_an_update_with_a_password_is_an_update() -> None:
    [planned] = upload(row(email_address="jane.smith@nhs.net", password="Xk9#mQ2$vL7!pR")).rows
    assert planned.action is RowAction.UPDATE


def test_an_active_user_cannot_be_moved_to_another_organisation() -> None:
    outcome = upload(row(email_address="jane.smith@nhs.net", ods="RX2"))
    [(line, column, message)] = errors(outcome)
    assert (line, column) == (2, "Organisation ODSCode")
    assert "RX2 is not the organisation of jane.smith@nhs.net (RX1)" in message
    assert "Mark them as a leaver first" in message


def test_an_address_with_no_account_is_an_error_mentioning_contacts() -> None:
    outcome = upload(row(email_address="nobody@nhs.net", job_title="Porter"))
    [(line, column, message)] = errors(outcome)
    assert (line, column) == (2, "Email Address")
    assert message == ("No account has the address nobody@nhs.net. Contacts cannot be bulk uploaded; "
                       "leave Email Address blank to create a new user.")


def test_an_update_checks_units_and_mailbox_against_the_accounts_organisation() -> None:
    outcome = upload(row(email_address="jane.smith@nhs.net", organisational_unit="Maternity", mailbox_size="8"))
    assert [c for _, c, _ in errors(outcome)] == ["Organisational Unit", "Mailbox Size"]
    assert "Mailbox Size 8 GB is above the 4 GB that organisation RX1 has purchased" in errors(outcome)[1][2]


# --- authorisation -------------------------------------------------------------------------

def test_creating_in_an_organisation_not_administered_is_refused() -> None:
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX3", organisational_unit="Nowhere"))
    [(line, column, message)] = errors(outcome)  # the unit of an organisation you cannot see is not checked
    assert (line, column) == (2, "Organisation ODSCode")
    assert message.startswith("You do not administer organisation RX3 (Hull Royal Infirmary), "
                              "so you cannot create users")


def test_updating_or_retiring_an_account_of_an_organisation_not_administered_is_refused() -> None:
    outcome = upload(row(email_address="hull.person@nhs.net", job_title="Porter"),
                     row(email_address="hull.person2@nhs.net"),
                     row(email_address="HULL.person@nhs.net", status="leaver", ods="RX1"))
    messages = [(line, column, message.split(",")[0]) for line, column, message in errors(outcome)]
    assert messages[0] == (2, "Email Address", "You do not administer organisation RX3 (Hull Royal Infirmary)")
    assert messages[1][0] == 3 and messages[1][2].startswith("No account has the address")
    assert (4, "Email Address", "You do not administer organisation RX3 (Hull Royal Infirmary)") in messages


def test_an_uploader_who_administers_nothing_gets_one_file_level_error() -> None:
    outcome = upload(row(**NEW_JANE), row(first_name="Bad1"), directory=a_directory(administered=frozenset()))
    finding = only_finding(outcome)
    assert finding.line is None and finding.message == NOTHING_ADMINISTERED
    assert outcome.rows == [] and not outcome.ok


# --- checks across rows ----------------------------------------------------------------

def test_the_same_address_twice_is_an_error_on_the_later_row() -> None:
    outcome = upload(row(email_address="jane.smith@nhs.net", job_title="A"),
                     row(email_address="JANE.SMITH@nhs.net", job_title="B"))
    assert errors(outcome) == [(3, "Email Address", "Email Address jane.smith@nhs.net is also on line 2; "
                                                    "give each account on one row only.")]


def test_a_repeated_new_user_is_a_duplicate_of_the_first_line() -> None:
    outcome = upload(row(**NEW_JANE), row(first_name="Someone", last_name="Else", ods="RX1"),
                     row(**{**NEW_JANE, "first_name": "JANE", "password": "Xk9#mQ2$vL7!pR", "title": "Ms"}))
    [(line, column, message)] = errors(outcome)
    assert (line, column) == (4, "")
    assert "duplicate of line 2" in message


def test_same_name_with_other_identity_columns_is_not_a_duplicate() -> None:
    outcome = upload(row(**NEW_JANE), row(**{**NEW_JANE, "mobile_phone": ""}))
    assert outcome.ok


def test_a_new_user_named_like_an_active_account_is_a_warning_naming_it() -> None:
    outcome = upload(row(first_name="jane", last_name="SMITH", ods="RX1"))
    assert outcome.ok and len(outcome.rows) == 1
    [finding] = outcome.findings
    assert finding.severity is Severity.WARNING and finding.line == 2
    assert "jane.smith@nhs.net" in finding.message
    # Not in another organisation:
    assert upload(row(first_name="Jane", last_name="Smith", ods="RX2")).findings == []


# --- every rule, every row -------------------------------------------------------------

def test_every_bad_cell_of_every_row_is_reported_in_line_and_column_order() -> None:
    outcome = upload(
        row(title="Sir", first_name="J4ne", last_name="", ods="RX", mobile_phone="0113 496 0000", mailbox_size="4.5",
            password="short", status="gone"),
        "too,few,cells",
        row(first_name="Ann", last_name="Lee", ods="RX9", business_phone="-0113", job_title="@admin"),
    )
    assert [(line, column) for line, column, _ in errors(outcome)] == [
        (2, "Title"), (2, "First Name"), (2, "Last Name"), (2, "Organisation ODSCode"), (2, "Mobile Phone"),
        (2, "Mailbox Size"), (2, "Password"), (2, "Status"),
        (3, ""),
        (4, "Job Title"), (4, "Organisation ODSCode"), (4, "Business Phone"),
    ]
    assert outcome.rows == [] and outcome.errors == 12 and outcome.row_count == 3
    assert "This row has 3 cells but the header has 13 columns" in errors(outcome)[8][2]


def test_a_password_is_never_shown_in_the_report() -> None:
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX1", password="Password123!"),
                     row(first_name="Bob", last_name="Lee", ods="RX1", password="=Password123!"))
    assert [f.value for f in outcome.findings] == ["********", "********"]
    assert all("Password123" not in f.message for f in outcome.findings)


# --- line numbers and blank rows --------------------------------------------------------

def test_lines_count_line_breaks_inside_quoted_cells_and_skipped_blank_rows() -> None:
    outcome = upload(
        row(first_name="Ann", last_name="Lee", ods="RX1", job_title="Nurse\r\n(nights)\r\nand days"),  # lines 2-4
        ",,,,,,,,,,,,",  # line 5: Excel's trailing empty row, skipped
        "",  # line 6: an empty line, skipped
        row(first_name="Bad1", last_name="Lee", ods="RX1"),  # line 7
        "  , ,,,,,,,,,,,",  # line 8: white space only, skipped
        row(first_name="Ann", last_name="Lee", ods="RX2"),  # line 9
        newline="\n",
    )
    assert [(line, column) for line, column, _ in errors(outcome)] == [(7, "First Name")]
    assert outcome.row_count == 3


def test_planned_rows_keep_file_order_and_physical_lines() -> None:
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX1", job_title='Say "hi",\nplease'), "",
                     row(email_address="jane.smith@nhs.net", status="leaver"))
    assert [(r.line, r.action) for r in outcome.rows] == [(2, RowAction.CREATE), (5, RowAction.LEAVER)]
    assert outcome.rows[0].fields.job_title == 'Say "hi",\nplease'


# --- results files and the legacy format -----------------------------------------------

def test_a_results_file_is_accepted_ignoring_result_columns_and_the_masked_password() -> None:
    header = ",".join(CURRENT_COLUMNS + RESULT_COLUMNS)
    created = row(first_name="Ann", last_name="Lee", ods="RX1", password="********") + \
        ",Created,Created in Leeds,ann.lee@nhs.net,"
    failed = row(first_name="Bob", last_name="Lee", ods="RX1", mobile_phone="'+44 7912 345670") + \
        ",Failed,Something went wrong,,"
    blank = ",,,,,,,,,,,," + ",Failed,,,"
    outcome = upload(created, failed, blank, header=header)
    assert outcome.ok and outcome.is_results_file and outcome.row_count == 2
    assert [r.fields.password for r in outcome.rows] == [None, None]
    assert outcome.rows[1].fields.mobile_phone == "+447912345670"  # Roster's ' escape undone


def test_a_results_file_row_with_a_missing_result_cell_is_a_line_error() -> None:
    header = ",".join(CURRENT_COLUMNS + RESULT_COLUMNS)
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX1") + ",Created,x", header=header)
    assert errors(outcome)[0][:2] == (2, "") and "header has 17 columns" in errors(outcome)[0][2]


LEGACY_HEADER = ",".join(LEGACY_COLUMNS)


def test_legacy_rows_map_to_current_fields_and_are_all_new_users() -> None:
    outcome = upload("Doe,Jane,Dr,rx2,,Nurse,0113 496 0000,07912 345679,,8192", header=LEGACY_HEADER)
    assert outcome.format is UploadFormat.LEGACY and outcome.ok
    [planned] = outcome.rows
    assert planned.action is RowAction.CREATE
    assert planned.fields == UserFields(
        title="Dr", first_name="Jane", last_name="Doe", display_name="DOE, Jane (York Hospital)", job_title="Nurse",
        ods="RX2", business_phone="+441134960000", mobile_phone="+447912345679", mailbox_gb=8,
    )


def test_legacy_findings_use_the_legacy_column_names() -> None:
    outcome = upload("D0e,,Sir,RX1,Maternity,,,,,4000", header=LEGACY_HEADER)
    assert [(c, m.split(" ")[0]) for _, c, m in errors(outcome)] == [
        ("Surname", "Surname"), ("Forename", "Forename"), ("Title", "Title"), ("Department", "Department"),
        ("Mailbox Quota (MB)", "Mailbox"),
    ]
    assert "every row of an NHSmail 1 file creates a user" in errors(outcome)[1][2]


# --- encodings ----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_names_survive_utf8_bom_and_windows_1252(encoding: str) -> None:
    outcome = upload(row(first_name="Zoë", last_name="O’Brien", ods="RX1", job_title="Café manager"),
                     encoding=encoding)
    [planned] = outcome.rows
    assert (planned.fields.first_name, planned.fields.last_name) == ("Zoë", "O’Brien")
    assert planned.fields.job_title == "Café manager"


# --- file-level refusals: one finding, nothing else, no directory read ------------------

HEADER = ",".join(CURRENT_COLUMNS)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "The file is empty"),
        (b"\r\n", "The file has no header row and no data: it holds only an empty line."),
        (b"   \r\n \r\n\t\r\n", "The file has no header row and no data: it holds only spaces and line breaks."),
        (b"\r\n\r\n" + HEADER.encode() + b"\r\n" + row(first_name="x").encode(),
         "Lines 1 to 2 are blank, but the header row must be line 1. Delete the blank 2 lines above the header on "
         "line 3, then upload the file again."),
        (" \u00a0,\r\n".encode() + HEADER.encode() + b"\r\n" + row(first_name="x").encode(),
         "Line 1 is blank (holding only commas, spaces and a non-breaking space (U+00A0)), but the header row must "
         "be line 1. Delete the blank line above the header on line 2"),
        (b"\r\n" + row(first_name="Ann").encode(), "Line 1 is blank, and line 2 is not a header row either."),
        ((HEADER + "\r\n").encode(), "no data rows"),
        ((HEADER + "\r\n,,,,,,,,,,,,\r\n\r\n").encode(), "no data rows"),
        ((HEADER + "\r\n").encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04xl/workbook.xml", "Excel workbook"),
        (b"%PDF-1.4", "PDF"),
        ((HEADER + "\r\nMr\x00\r\n").encode(), "binary data"),
        (("Title,First,Last Name,Job Title\r\n" + row(first_name="x")).encode(), "closest is the current format"),
        (row(first_name="Ann", last_name="Lee", password="Xk9#mQ2$vL7!pR").encode(),
         "The first line is not a header row: none of its 13 cells is a column name"),
        (('"Title,First Name\r\n' + row(first_name="x")).encode(), "The header row cannot be read"),
        (b"x" * (5 * 1024 * 1024 + 1), "above the"),
    ],
)
def test_file_level_refusals_give_exactly_one_finding(raw: bytes, says: str) -> None:
    directory = a_directory()
    outcome = validate_upload(raw, ADMIN, directory, UploadLimits())
    finding = only_finding(outcome)
    assert finding.line is None and finding.severity is Severity.ERROR and says in finding.message
    assert outcome.rows == [] and not outcome.ok and outcome.format is None and outcome.row_count == 0
    assert directory.snapshots == []


def test_more_rows_than_the_limit_are_refused_before_any_row_is_checked() -> None:
    rows = [row(first_name="Bad1", last_name="Lee", ods="RX1")] * 4
    finding = only_finding(upload(*rows, limits=UploadLimits(max_rows=3)))
    assert "The file has 4 data rows, above the 3 allowed in one upload" in finding.message


def test_blank_rows_do_not_count_towards_the_row_limit() -> None:
    rows = [row(first_name="Ann", last_name=f"Lee{'x' * n}", ods="RX1") for n in range(3)] + [",,,,,,,,,,,,"] * 5
    outcome = upload(*rows, limits=UploadLimits(max_rows=3))
    assert outcome.ok and outcome.row_count == 3


def test_the_directory_is_read_once_with_every_valid_code_and_address() -> None:
    directory = a_directory()
    upload(row(**NEW_JANE), row(first_name="A", last_name="B", ods="RX2"), row(ods="bad code!"),
           row(email_address="Jane.Smith@nhs.net", status="leaver"), row(email_address="not-an-address"),
           directory=directory)
    assert directory.snapshots == [(ADMIN, {"RX1", "RX2"}, {"jane.smith@nhs.net"})]


def test_counts_and_ok() -> None:
    outcome = upload(row(first_name="jane", last_name="smith", ods="RX1"), row(first_name="Bad1"))
    assert (outcome.errors, outcome.warnings, outcome.ok) == (3, 1, False)
    assert outcome.rows == []


# --- characters nobody can see (issue 8) ----------------------------------------------------

def test_a_byte_order_mark_at_the_start_of_a_row_is_named_not_reported_as_an_odd_title() -> None:
    outcome = upload("\ufeff" + row(first_name="Ann", last_name="Lee", ods="RX1"),
                     "\ufeff" + row(title="Dr", first_name="Bob", last_name="Lee", ods="RX1"))
    assert errors(outcome) == [
        (2, "Title", "Title holds a byte-order mark (U+FEFF), which cannot be seen in Excel or a text editor, and "
                     "nothing else: delete it so that the cell is blank, or type the value again. A byte-order mark "
                     "inside a file usually means two files were joined together: it is the start of the second "
                     "one, so remove it where they meet."),
        (3, "Title", "Title holds a byte-order mark (U+FEFF), which cannot be seen in Excel or a text editor; typed "
                     "again without it, the cell reads 'Dr', which is allowed. A byte-order mark inside a file "
                     "usually means two files were joined together: it is the start of the second one, so remove "
                     "it where they meet."),
    ]


def test_zero_width_and_non_breaking_spaces_in_cells_are_named() -> None:
    outcome = upload(row(first_name="Ann", last_name="Lee", ods="RX1", mobile_phone="07912\u00a0345678",
                         email_address="", business_phone="\u200b"),
                     row(email_address="jane.smith@nhs.net\u200b", mobile_phone="0113\u00a0496 0000"))
    messages = {(line, column): message for line, column, message in errors(outcome)}
    assert messages[(2, "Mobile Phone")] == (
        "Mobile Phone holds a non-breaking space (U+00A0), which cannot be seen in Excel or a text editor; typed "
        "again without it, the cell reads '07912 345678', which is allowed.")
    assert messages[(2, "Business Phone")].startswith("Business Phone holds a zero-width space (U+200B), which "
                                                      "cannot be seen in Excel or a text editor, and nothing else")
    assert messages[(3, "Email Address")].startswith("Email Address holds a zero-width space (U+200B)")
    assert messages[(3, "Mobile Phone")].startswith(
        "Mobile Phone holds a non-breaking space (U+00A0), which cannot be seen in Excel or a text editor; delete "
        "it. Mobile Phone '0113 496 0000' is not a UK mobile number")


# --- names that make no address (issue 8) ---------------------------------------------------

@pytest.mark.parametrize("name", ["ъ", "Ъь", "\U0002a700", "ʼ"])
def test_a_new_users_name_with_nothing_usable_in_an_address_is_refused_on_its_row(name: str) -> None:
    outcome = upload(row(first_name=name, last_name="Lee", ods="RX1"), row(first_name="Ann", last_name=name, ods="RX1"),
                     header=",".join(CURRENT_COLUMNS))
    assert [(line, column) for line, column, _ in errors(outcome)] == [(2, "First Name"), (3, "Last Name")]
    assert errors(outcome)[0][2] == (
        f"First Name '{name}' has no letter that can be written in Latin letters, so no email address can be made "
        "from it; give the First Name in Latin letters (as in a passport, for example).")


def test_a_name_in_another_script_that_has_a_latin_form_is_accepted() -> None:
    assert upload(row(first_name="小明", last_name="Σωκράτης", ods="RX1")).ok


def test_an_update_may_keep_a_name_that_makes_no_address() -> None:
    assert upload(row(email_address="jane.smith@nhs.net", first_name="ъ")).ok
