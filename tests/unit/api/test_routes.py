"""Every route of docs/api.md#http-api on fakes: who may call it, and what it answers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from roster.model.directory import Account, AccountStatus
from roster.model.uploads import UploadState
from tests.unit.api.conftest import ADMIN, NOBODY, PRACTICE

PROTECTED = [("GET", "/me"), ("POST", "/uploads"), ("GET", "/uploads"),
             ("GET", "/uploads/{id}"), ("GET", "/uploads/{id}/validation.csv"), ("POST", "/uploads/{id}/apply"),
             ("GET", "/uploads/{id}/results.csv"), ("GET", "/report.csv"), ("GET", "/uploads/{id}/changes.csv"),
             ("GET", "/accounts/amir.khan%40nhs.net/history")]


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# -- sign-in and scope -------------------------------------------------------------------
def test_config_needs_no_sign_in(api):
    answer = api.request("GET", "/config", as_admin=None)

    assert answer.status == 200
    assert answer.json()["user_pool_id"] == "pool" and answer.json()["client_id"] == "client"


def test_the_sample_file_needs_no_sign_in(api):
    # The console links to it plainly; it holds the header and an example row, nothing of anyone's.
    assert api.request("GET", "/sample.csv", as_admin=None).status == 200


@pytest.mark.parametrize("method, path", PROTECTED)
def test_without_a_token_every_other_route_is_401(api, method, path):
    upload = api.upload(UploadState.COMPLETED, results_key="results/x.csv", report_key="reports/x.csv")

    answer = api.request(method, path.replace("{id}", upload.upload_id), as_admin=None)

    assert answer.status == 401
    assert "not signed in" in answer.json()["message"]


def test_an_access_token_is_not_an_id_token(api):
    answer = api.request("GET", "/uploads", token_use="access")

    assert answer.status == 401 and "ID token" in answer.json()["message"]


@pytest.mark.parametrize("method, path", [p for p in PROTECTED if p[1] != "/me"])
def test_an_administrator_of_no_organisation_is_refused_everywhere_but_config_and_sample(api, method, path):
    upload = api.upload(UploadState.COMPLETED, uploader=NOBODY, results_key="results/x.csv", report_key="reports/x.csv")

    answer = api.request(method, path.replace("{id}", upload.upload_id), as_admin=NOBODY, query={"ods": "RX1"},
                         body={"file_name": "a.csv"} if method == "POST" else None)

    assert answer.status == 403
    assert "do not administer any organisation" in answer.json()["message"]
    assert api.request("GET", "/sample.csv", as_admin=NOBODY).status == 200


@pytest.mark.parametrize("method, path", [p for p in PROTECTED if "{id}" in p[1]])
def test_another_organisations_administrator_is_refused_every_upload_route(api, method, path):
    upload = api.upload(UploadState.COMPLETED, orgs=("RX1", "Y0301"), results_key="results/x.csv", report_key="reports/x.csv")

    answer = api.request(method, path.replace("{id}", upload.upload_id), as_admin=PRACTICE)

    assert answer.status == 403
    assert "organisations you do not administer" in answer.json()["message"]


def test_an_unknown_route_or_upload_is_404_with_a_message(api):
    assert api.request("GET", "/nowhere").json()["message"] == "There is no GET /nowhere in Roster's API."
    assert api.request("GET", "/uploads/" + "0" * 32).status == 404
    assert api.request("GET", "/uploads/not-an-id").status == 404


def test_an_unexpected_failure_is_500_without_a_stack_trace(api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB exploded at line 42")

    monkeypatch.setattr(api.records, "page", broken)
    answer = api.request("GET", "/uploads")

    assert answer.status == 500
    assert "exploded" not in answer.body and "Traceback" not in answer.body
    assert answer.json()["message"].startswith("Roster could not answer this request")


# -- who is calling ----------------------------------------------------------------------
def test_me_names_the_caller_and_their_organisations_by_name_in_one_read(api):
    answer = api.request("GET", "/me")

    assert answer.status == 200
    assert answer.json() == {"email": ADMIN, "organisations": [
        {"ods": "RX1", "name": "Northfield Hospital NHS Trust"},
        {"ods": "Y0301", "name": "Riverside Medical Practice"},
        {"ods": "RY2", "name": "Southbank Community Health"}]}
    assert api.directory.organisation_reads == [{"RX1", "RY2", "Y0301"}]


def test_me_lists_an_organisation_missing_from_the_directory_by_its_code_last(api):
    api.directory.admins[PRACTICE] = frozenset({"Y0301", "ZZ999"})

    organisations = api.request("GET", "/me", as_admin=PRACTICE).json()["organisations"]

    assert organisations == [{"ods": "Y0301", "name": "Riverside Medical Practice"}, {"ods": "ZZ999", "name": ""}]


def test_me_tells_an_administrator_of_no_organisation_so_rather_than_refusing(api):
    answer = api.request("GET", "/me", as_admin=NOBODY)

    assert answer.status == 200 and answer.json() == {"email": NOBODY, "organisations": []}


# -- the sample file ---------------------------------------------------------------------
@pytest.mark.parametrize("wanted, first_column, width", [("current", "Title", 13), ("legacy", "Surname", 10)])
def test_the_sample_file_is_the_header_and_one_example_row(api, wanted, first_column, width):
    answer = api.request("GET", "/sample.csv", query={"format": wanted})

    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    header, example = _rows(answer.body)
    assert header[0] == first_column and len(header) == len(example) == width
    assert "attachment" in answer.headers["Content-Disposition"]


def test_a_sample_in_no_known_format_is_400(api):
    assert api.request("GET", "/sample.csv", query={"format": "xlsx"}).status == 400


# -- upload forms ------------------------------------------------------------------------
def test_a_form_is_issued_for_the_caller_and_the_upload_awaits_its_file(api):
    answer = api.request("POST", "/uploads", body={"file_name": "new staff.csv", "validate_only": True,
                                                   "uploader": "someone.else@example.nhs.net"})

    assert answer.status == 201
    body = answer.json()
    upload_id = body["upload_id"]
    assert body["expires_in"] == 900 and set(body["form"]) == {"url", "fields"}
    assert body["form"]["fields"]["key"] == f"uploads/{ADMIN}/{upload_id}/new staff.csv"
    assert api.files.forms[0]["max_bytes"] == 5_242_880
    upload = api.records.get(upload_id)
    assert (upload.state, upload.uploader, upload.validate_only) == (UploadState.AWAITING_FILE, ADMIN, True)
    assert upload.expires_at is not None  # a record whose file never comes is deleted by TTL
    shown = api.request("GET", f"/uploads/{upload_id}").json()
    assert shown["state"] == "AWAITING_FILE" and shown["form_expires_at"] == "2026-03-01T09:15:00+00:00"


@pytest.mark.parametrize("body, status", [
    ({}, 400), ({"file_name": "a/b.csv"}, 400), ({"file_name": "a.csv", "validate_only": "yes"}, 400),
    ({"file_name": "a.csv", "size": 6_000_000}, 413), ("not an object", 400),
])
def test_a_bad_form_request_is_refused_with_a_message(api, body, status):
    answer = api.request("POST", "/uploads", body=body)

    assert answer.status == status and answer.json()["message"]
    assert api.records.records == {}


def test_an_expired_form_whose_file_never_came_is_gone(api):
    upload_id = api.request("POST", "/uploads", body={"file_name": "a.csv"}).json()["upload_id"]
    api.now += timedelta(minutes=16)

    answer = api.request("GET", f"/uploads/{upload_id}")

    assert answer.status == 404 and "expired before a file was sent" in answer.json()["message"]
    assert api.request("GET", "/uploads").json()["uploads"] == []
    assert api.request("POST", f"/uploads/{upload_id}/apply").status == 404


# -- listing and one upload --------------------------------------------------------------
def test_uploads_are_listed_newest_first_by_what_the_caller_may_see(api):
    mine = api.upload(UploadState.COMPLETED, orgs=("RX1",))
    shared = api.upload(UploadState.VALIDATED, uploader=PRACTICE, orgs=("Y0301",))
    theirs_too = api.upload(UploadState.INVALID, uploader=PRACTICE, orgs=())
    both = api.upload(UploadState.CREATING, orgs=("RX1", "Y0301"))

    for_admin = [u["upload_id"] for u in api.request("GET", "/uploads").json()["uploads"]]
    for_practice = [u["upload_id"] for u in api.request("GET", "/uploads", as_admin=PRACTICE).json()["uploads"]]

    assert for_admin == [both.upload_id, shared.upload_id, mine.upload_id]
    assert for_practice == [theirs_too.upload_id, shared.upload_id]


def test_the_list_is_paged_with_a_cursor(api):
    ids = [api.upload(UploadState.COMPLETED).upload_id for _ in range(3)]

    first = api.request("GET", "/uploads", query={"limit": "2"}).json()
    second = api.request("GET", "/uploads", query={"limit": "2", "cursor": first["next_cursor"]}).json()

    assert [u["upload_id"] for u in first["uploads"]] == ids[::-1][:2]
    assert [u["upload_id"] for u in second["uploads"]] == ids[:1] and second["next_cursor"] is None
    assert api.request("GET", "/uploads", query={"limit": "0"}).status == 400
    assert api.request("GET", "/uploads", query={"cursor": "bm9wZQ"}).status == 400


def test_one_upload_shows_state_counts_progress_and_first_findings(api):
    api.files.put_bytes("reports/j/validation.csv", (
        b"Line,Column,Value,Severity,Message\r\n3,Title,Sir,error,Title 'Sir' is not one of the allowed titles\r\n"
        b"4,Job Title,'=cmd,error,starts with =\r\n"))
    upload = api.upload(UploadState.CREATING, report_key="reports/j/validation.csv", progress={"created": 40, "updated": 2},
                        counts={"rows": 100, "errors": 2})

    shown = api.request("GET", f"/uploads/{upload.upload_id}").json()

    assert shown["state"] == "CREATING" and shown["progress"] == {"applied": 42, "rows": 100}
    assert shown["findings"][0] == {"line": 3, "column": "Title", "value": "Sir", "severity": "error",
                                    "message": "Title 'Sir' is not one of the allowed titles"}
    assert shown["findings"][1]["value"] == "=cmd"
    assert shown["links"]["validation_report"].endswith("/validation.csv") and "results" not in shown["links"]


# -- reports and results -----------------------------------------------------------------
def test_the_validation_report_goes_to_whoever_may_see_the_upload(api):
    api.files.put_bytes("reports/j/validation.csv", b"Line,Column,Value,Severity,Message\r\n")
    upload = api.upload(UploadState.VALIDATED, uploader=PRACTICE, orgs=("Y0301",), report_key="reports/j/validation.csv")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/validation.csv")

    assert answer.status == 200 and answer.body.startswith("Line,Column")
    assert 'filename="staff-validation.csv"' in answer.headers["Content-Disposition"]


def test_a_report_not_written_yet_is_a_conflict(api):
    upload = api.upload(UploadState.VALIDATING)

    assert api.request("GET", f"/uploads/{upload.upload_id}/validation.csv").status == 409


def test_results_go_to_the_uploader_only(api):
    api.files.put_bytes("results/j/staff-results.csv", b"Title,Result\r\n")
    upload = api.upload(UploadState.COMPLETED, uploader=PRACTICE, orgs=("Y0301",), results_key="results/j/staff-results.csv")

    by_uploader = api.request("GET", f"/uploads/{upload.upload_id}/results.csv", as_admin=PRACTICE)
    by_colleague = api.request("GET", f"/uploads/{upload.upload_id}/results.csv", as_admin=ADMIN)

    assert by_uploader.status == 200 and by_uploader.body == "Title,Result\r\n"
    assert by_colleague.status == 403 and "temporary passwords" in by_colleague.json()["message"]


def test_an_upload_without_results_is_a_conflict(api):
    upload = api.upload(UploadState.VALIDATED, validate_only=True)

    answer = api.request("GET", f"/uploads/{upload.upload_id}/results.csv")

    assert answer.status == 409 and "created nothing" in answer.json()["message"]


# -- apply -------------------------------------------------------------------------------
def test_a_validated_upload_is_applied_once_however_often_it_is_asked(api):
    upload = api.upload(UploadState.VALIDATED, validate_only=True)

    first = api.request("POST", f"/uploads/{upload.upload_id}/apply")
    again = api.request("POST", f"/uploads/{upload.upload_id}/apply")
    api.records.put(api.records.get(upload.upload_id).model_copy(update={"state": UploadState.CREATING}))
    later = api.request("POST", f"/uploads/{upload.upload_id}/apply")

    assert (first.status, again.status, later.status) == (202, 202, 202)
    assert first.json()["state"] == "VALIDATING" and first.json()["validate_only"] is False
    assert later.json()["state"] == "CREATING"
    # Asked again while still VALIDATING, the apply function is asked again (it ignores a repeat).
    assert api.applier.requested == [upload.upload_id, upload.upload_id]
    assert api.records.get(upload.upload_id).apply_requested_by == ADMIN


@pytest.mark.parametrize("state, validate_only, says", [
    (UploadState.AWAITING_FILE, True, "has not arrived"),
    (UploadState.VALIDATING, True, "still being validated"),
    (UploadState.INVALID, True, "failed validation"),
    (UploadState.COMPLETED, False, "uploaded to be applied"),
])
def test_anything_but_a_validated_validate_only_upload_cannot_be_applied(api, state, validate_only, says):
    upload = api.upload(state, validate_only=validate_only)

    answer = api.request("POST", f"/uploads/{upload.upload_id}/apply")

    assert answer.status == 409 and says in answer.json()["message"]
    assert api.applier.requested == []


def test_only_the_uploader_applies(api):
    upload = api.upload(UploadState.VALIDATED, uploader=PRACTICE, orgs=("Y0301",), validate_only=True)

    answer = api.request("POST", f"/uploads/{upload.upload_id}/apply", as_admin=ADMIN)

    assert answer.status == 403 and api.applier.requested == []


# -- the organisation report -------------------------------------------------------------
def test_the_report_lists_the_organisations_accounts_ready_to_upload_back(api):
    for account in [
        Account(email="b.one@nhs.net", first_name="Bea", last_name="One", ods="RX1", title="Dr",
                business_phone="+441134960001", mobile_phone="+447912345200", mailbox_gb=4),
        Account(email="a.two@nhs.net", first_name="Al", last_name="Two", ods="RX1", status=AccountStatus.LEAVER),
        Account(email="c.three@nhs.net", first_name="Cy", last_name="Three", ods="RY2"),
    ]:
        api.directory.add_account(account)

    answer = api.request("GET", "/report.csv", query={"ods": "rx1"})

    header, *rows = _rows(answer.body)
    assert header[11] == "Email Address" and len(header) == 13
    assert [r[11] for r in rows] == ["a.two@nhs.net", "b.one@nhs.net"]
    assert rows[0][12] == "leaver" and rows[1][12] == ""
    assert rows[1][7:10] == ["0113 496 0001", "07912 345200", "4GB"] and rows[1][10] == ""
    assert 'filename="RX1-accounts.csv"' in answer.headers["Content-Disposition"]


def test_the_report_of_another_organisation_is_refused(api):
    assert api.request("GET", "/report.csv", as_admin=PRACTICE, query={"ods": "RX1"}).status == 403
    assert api.request("GET", "/report.csv", query={}).status == 400


def test_a_console_on_another_origin_gets_cors_and_others_do_not(api):
    from roster.api.http import api_resolver
    from roster_local.serve.api_gateway import HttpRequest, api_gateway_event

    resolver = api_resolver("https://roster.example.nhs.net")

    def from_origin(origin):
        event = api_gateway_event(HttpRequest("GET", "/config", {"origin": origin}), "GET /config", None)
        resolver.append_context(front_door=api.front_door)
        return resolver.resolve(event, None)["headers"]

    assert from_origin("https://roster.example.nhs.net")["Access-Control-Allow-Origin"] == \
        "https://roster.example.nhs.net"
    assert "Access-Control-Allow-Origin" not in from_origin("https://evil.example.com")


def test_an_upload_key_names_its_upload_whatever_the_version():
    from roster.model.uploads import upload_id_for

    upload_id = "0123456789abcdef0123456789abcdef"
    key = f"uploads/{ADMIN}/{upload_id}/staff.csv"

    assert upload_id_for("b", key, "v1") == upload_id_for("b", key, "v2") == upload_id
    assert upload_id_for("b", f"uploads/{ADMIN}/staff.csv", "v1") != upload_id_for("b", f"uploads/{ADMIN}/staff.csv", "v2")


OTHER = "other.admin@example.nhs.net"


def _waiting(api, **extra):
    return api.upload(UploadState.AWAITING_APPROVAL, plan_key="reports/p/plan.csv",
                      approval_administrators={"RX1": [ADMIN, OTHER]}, **extra)


def test_given_a_validated_upload_then_its_plan_is_served_as_csv(api):
    upload = api.upload(UploadState.VALIDATED, plan_key="reports/p/plan.csv")
    api.files.put_bytes("reports/p/plan.csv", b"\xef\xbb\xbfLine,Action,Email Address,Field,Old,New\r\n2,Create,a.b@nhs.net,,,\r\n")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/plan.csv")

    assert answer.status == 200 and "2,Create,a.b@nhs.net" in answer.body
    assert 'filename="staff-plan.csv"' in answer.headers["Content-Disposition"]


def test_given_an_invalid_upload_then_asking_for_its_plan_is_a_conflict(api):
    upload = api.upload(UploadState.INVALID)
    assert api.request("GET", f"/uploads/{upload.upload_id}/plan.csv").status == 409


def test_given_an_upload_waiting_when_its_uploader_approves_then_it_is_refused_with_403(api):
    upload = _waiting(api)
    answer = api.request("POST", f"/uploads/{upload.upload_id}/approve")
    assert answer.status == 403 and "another administrator" in answer.json()["message"]


def test_given_an_upload_waiting_when_another_administrator_approves_then_it_goes_on(api):
    upload = _waiting(api)
    api.directory.admins[OTHER] = frozenset({"RX1"})

    answer = api.request("POST", f"/uploads/{upload.upload_id}/approve", as_admin=OTHER)

    assert answer.status == 200 and answer.json()["state"] == "VALIDATING"


def test_given_an_approver_of_one_organisation_of_many_then_they_see_the_upload_and_its_plan(api):
    upload = _waiting(api, orgs=("RX1", "RY2"))
    api.files.put_bytes("reports/p/plan.csv", b"Line,Action,Email Address,Field,Old,New\r\n")
    api.directory.admins[OTHER] = frozenset({"RX1"})
    assert api.request("GET", f"/uploads/{upload.upload_id}/plan.csv", as_admin=OTHER).status == 200


def test_given_an_upload_not_waiting_then_approve_and_cancel_are_conflicts(api):
    upload = api.upload(UploadState.COMPLETED)
    assert api.request("POST", f"/uploads/{upload.upload_id}/approve").status == 409
    assert api.request("POST", f"/uploads/{upload.upload_id}/cancel").status == 409


def test_given_an_upload_waiting_when_its_uploader_cancels_then_it_is_cancelled(api):
    upload = _waiting(api)
    answer = api.request("POST", f"/uploads/{upload.upload_id}/cancel")
    assert answer.status == 200 and answer.json()["state"] == "CANCELLED"


def test_given_another_organisations_administrator_then_approve_and_cancel_are_forbidden(api):
    upload = _waiting(api)
    for action in ("approve", "cancel"):
        assert api.request("POST", f"/uploads/{upload.upload_id}/{action}", as_admin=PRACTICE).status == 403


# -- who is calling: the Cognito user's sub, never the email it claims (issue 18, defect 1) ----------
def test_given_a_token_claiming_another_administrators_email_then_it_acts_as_its_own_sub(api):
    # PRACTICE set their email attribute to ADMIN's address: the token says ADMIN, the sub is PRACTICE's.
    theirs = api.upload(UploadState.COMPLETED, uploader=ADMIN, results_key="results/x.csv")
    api.files.objects["results/x.csv"] = b"temporary passwords"

    me = api.request("GET", "/me", as_admin=PRACTICE, email=ADMIN)
    results = api.request("GET", f"/uploads/{theirs.upload_id}/results.csv", as_admin=PRACTICE, email=ADMIN)

    assert me.json()["email"] == PRACTICE
    assert [o["ods"] for o in me.json()["organisations"]] == ["Y0301"]
    assert results.status == 403


def test_given_a_token_whose_email_is_not_verified_then_it_is_refused(api):
    answer = api.request("GET", "/uploads", email_verified="false")

    assert answer.status == 401 and "verified" in answer.json()["message"]


def test_given_a_user_no_directory_load_bound_then_it_administers_nothing_whatever_its_email(api):
    stranger = api.request("GET", "/uploads", as_admin=ADMIN, sub="sub-of-a-user-made-elsewhere")
    me = api.request("GET", "/me", as_admin=ADMIN, sub="sub-of-a-user-made-elsewhere")

    assert stranger.status == 403
    assert me.json()["organisations"] == []


def test_given_a_token_without_a_sub_then_it_is_refused(api):
    assert api.request("GET", "/uploads", sub="").status == 401


def test_given_an_approver_removed_from_the_organisation_then_they_no_longer_see_the_upload_or_its_plan(api):
    # PRACTICE was asked to approve for RX1 when the upload started waiting; the directory now says Y0301 only.
    upload = api.upload(UploadState.AWAITING_APPROVAL, orgs=("RX1",), plan_key="reports/p.csv",
                        approval_administrators={"RX1": [ADMIN, PRACTICE]})
    api.files.objects["reports/p.csv"] = "\ufeffLine,Action\r\n".encode()

    assert api.request("GET", f"/uploads/{upload.upload_id}/plan.csv", as_admin=PRACTICE).status == 403
    assert api.request("GET", f"/uploads/{upload.upload_id}", as_admin=PRACTICE).status == 403


def test_applying_an_upload_that_was_applied_and_finished_is_a_conflict(api):
    upload = api.upload(UploadState.VALIDATED, validate_only=True)
    api.request("POST", f"/uploads/{upload.upload_id}/apply")
    api.records.put(api.records.get(upload.upload_id).model_copy(update={"state": UploadState.COMPLETED}))

    again = api.request("POST", f"/uploads/{upload.upload_id}/apply")

    assert again.status == 409 and "applied already and is COMPLETED" in again.json()["message"]
    assert api.applier.requested == [upload.upload_id]
