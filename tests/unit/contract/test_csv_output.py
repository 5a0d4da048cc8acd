"""Every CSV Roster writes opens in Excel as it is, and nothing in it runs as a formula."""

from __future__ import annotations

from roster.contract.csv_output import csv_text, without_byte_order_mark
from roster.contract.plan_file import PlanLine, parse_plan_csv, plan_csv


def test_given_rows_then_the_text_starts_with_a_byte_order_mark_and_uses_crlf():
    text = csv_text(["Name", "Phone"], [["José", "+447912345678"], ["Zoë", None]])
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbfName,Phone\r\n")
    assert text.endswith("Zo\u00eb,\r\n")


def test_given_rows_from_a_generator_then_the_whole_text_is_exactly_as_written():
    rows = (row for row in [["José", "+447912345678"], ["a,b", None], ['say "hi"', "line\r\nbreak"]])

    text = csv_text(["Name", "=Phone"], rows)

    assert text == ("\ufeffName,'=Phone\r\nJosé,'+447912345678\r\n\"a,b\",\r\n"
                    '"say ""hi""","line\r\nbreak"\r\n')


def test_given_formula_cells_then_they_are_escaped_and_phones_stay_text():
    text = without_byte_order_mark(csv_text(["A"], [["=1+2"], ["+447912345678"], ["@x"]]))
    assert text.splitlines() == ["A", "'=1+2", "'+447912345678", "'@x"]


def test_given_a_plan_then_it_reads_back_as_written():
    lines = [PlanLine(2, "Create", "jo.smith@nhs.net"),
             PlanLine(3, "Update", "amir.khan@nhs.net", "Mobile Phone", "", "+447912345200"),
             PlanLine(3, "Update", "amir.khan@nhs.net", "Job Title", "Radiographer", "Lead, Radiographer")]
    text = plan_csv(lines)
    assert text.startswith("\ufeffLine,Action,Email Address,Field,Old,New\r\n")
    assert parse_plan_csv(text) == lines


def test_given_the_results_file_and_the_validation_report_then_they_are_written_like_every_other_csv():
    from roster.contract.findings import warning
    from roster.contract.results_file import ResultLine, parse_results_csv, results_csv
    from roster.contract.validation_report import validation_report_csv
    from roster.model.rows import RowResult

    results = results_csv(["First Name"], [ResultLine(["José"], RowResult.CREATED, "Created", "jose@x")], None, False)
    report = validation_report_csv([warning(2, "First Name", "José", "Check this.")])

    for text in (results, report):
        assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
        assert "\n" not in text.replace("\r\n", "")
    assert parse_results_csv(results) == [{"First Name": "José", "Result": "Created", "Message": "Created",
                                           "Assigned Email": "jose@x", "Temporary Password": ""}]
