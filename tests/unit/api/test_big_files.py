"""File routes within Lambda's 6 MB response (roster.api.downloads): a file over 1,000,000 bytes
is answered 303 See Other with a presigned Location that works for 15 minutes; a smaller one
inline, as before."""

from __future__ import annotations

from roster.api.downloads import HEAD_BYTES, INLINE_BYTES, LINK_SECONDS
from roster.model.directory import Account
from roster.model.uploads import UploadState
from tests.unit.api.conftest import PRACTICE


def test_results_too_big_to_answer_inline_are_a_redirect_to_a_presigned_link(api):
    api.files.put_bytes("results/j/staff-results.csv", b"x" * (INLINE_BYTES + 1))
    upload = api.upload(UploadState.COMPLETED, uploader=PRACTICE, orgs=("Y0301",), results_key="results/j/staff-results.csv")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/results.csv", as_admin=PRACTICE)

    assert answer.status == 303
    assert answer.headers["Location"] == (f"https://{api.files.bucket}.example/results/j/staff-results.csv"
                                          f"?expires-in={LINK_SECONDS}&name=staff-results.csv")
    assert answer.json()["location"] == answer.headers["Location"] and LINK_SECONDS <= 900


def test_a_file_of_exactly_the_inline_limit_is_answered_inline(api):
    api.files.put_bytes("reports/j/validation.csv", b"y" * INLINE_BYTES)
    upload = api.upload(UploadState.INVALID, report_key="reports/j/validation.csv")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/validation.csv")

    assert answer.status == 200 and len(answer.body) == INLINE_BYTES


def test_a_big_validation_report_and_plan_are_redirects_too(api):
    api.files.put_bytes("reports/j/validation.csv", b"y" * (INLINE_BYTES + 1))
    api.files.put_bytes("reports/j/plan.csv", b"z" * (INLINE_BYTES + 1))
    upload = api.upload(UploadState.VALIDATED, report_key="reports/j/validation.csv", plan_key="reports/j/plan.csv")

    report = api.request("GET", f"/uploads/{upload.upload_id}/validation.csv")
    plan = api.request("GET", f"/uploads/{upload.upload_id}/plan.csv")

    assert (report.status, plan.status) == (303, 303)
    assert "reports/j/validation.csv" in report.headers["Location"] and "reports/j/plan.csv" in plan.headers["Location"]


def test_a_big_organisation_report_is_stored_under_downloads_and_redirected_to(api):
    for i in range(12_000):
        api.directory.add_account(Account(email=f"user{i:06d}@nhs.net", first_name="A" * 40, last_name="B" * 40,
                                          ods="RX1", job_title="C" * 40))

    answer = api.request("GET", "/report.csv", query={"ods": "RX1"})

    assert answer.status == 303
    [key] = [k for k in api.files.objects if k.startswith("downloads/")]
    assert key.endswith("/RX1-accounts.csv") and key in answer.headers["Location"]
    assert len(api.files.read(key)) > INLINE_BYTES and b"user011999@nhs.net" in api.files.read(key)


def test_a_small_organisation_report_is_inline_and_stores_nothing(api):
    api.directory.add_account(Account(email="a@nhs.net", first_name="A", last_name="B", ods="RX1"))

    answer = api.request("GET", "/report.csv", query={"ods": "RX1"})

    assert answer.status == 200 and "a@nhs.net" in answer.body and api.files.objects == {}


def test_the_status_of_an_upload_with_a_huge_report_reads_only_its_first_lines(api):
    header = b"Line,Column,Value,Severity,Message\r\n"
    lines = b"".join(f"{n},Title,Sir,error,Title must be one of: Dr Mr Mrs Ms Miss Mx\r\n".encode()
                     for n in range(2, 100_002))
    api.files.put_bytes("reports/j/validation.csv", header + lines)
    upload = api.upload(UploadState.INVALID, report_key="reports/j/validation.csv")
    reads: list[int | None] = []
    real = api.files.read
    api.files.read = lambda key, version_id=None, limit=None: reads.append(limit) or real(key, version_id, limit)

    shown = api.request("GET", f"/uploads/{upload.upload_id}").json()

    assert [f["line"] for f in shown["findings"]][:3] == [2, 3, 4] and shown["findings"][-1]["column"] == "Title"
    assert reads == [HEAD_BYTES]
