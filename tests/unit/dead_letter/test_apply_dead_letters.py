"""The apply function's failed requests (its on-failure destination is the dead-letter queue):
the upload, left VALIDATING by an apply that failed every attempt, is ended FAILED at once and its
uploader told once, instead of waiting for the sweeper (docs/deploy.md, "The dead-letter queue")."""

from __future__ import annotations

from roster.dead_letter.step import applied_upload, failure_reason
from roster.model.uploads import UploadState
from tests.unit.conftest import an_upload


def apply_record(upload_id: str = "0a1b2c", attempts: int = 3) -> dict:
    return {
        "version": "1.0",
        "requestContext": {"requestId": "r-1", "functionArn": "arn:aws:lambda:eu-west-2:1:function:stack-apply:$LATEST",
                           "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
        "requestPayload": {"upload_id": upload_id},
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "ClientError", "errorMessage": "AccessDeniedException"},
    }


def test_an_upload_left_validating_by_apply_is_ended_failed_and_told_once(dead_letters, uploads, mailer):
    uploads.put(an_upload("0a1b2c", UploadState.VALIDATING))

    (first,) = dead_letters.receive(apply_record())
    (second,) = dead_letters.receive(apply_record())

    upload = uploads.get("0a1b2c")
    assert upload.state is UploadState.FAILED and "apply request failed 3 attempts of the apply function" in upload.error
    assert first.action == second.action == "failed"
    assert len(mailer.emails_for("0a1b2c")) == 1


def test_an_upload_apply_finished_is_left_to_its_pipeline(dead_letters, uploads, mailer):
    uploads.put(an_upload("0a1b2c", UploadState.CREATING))

    (outcome,) = dead_letters.receive(apply_record())

    assert outcome.action == "ignored" and uploads.get("0a1b2c").state is UploadState.CREATING
    assert mailer.emails_for("0a1b2c") == []


def test_only_an_apply_request_names_an_upload_id():
    assert applied_upload(apply_record()) == "0a1b2c"
    assert applied_upload({"requestPayload": {"Records": []}}) is None
    assert "the upload event failed 2 attempts of the validate function" in failure_reason(
        {"requestContext": {"approximateInvokeCount": 2}, "requestPayload": {"Records": []}})


def test_an_apply_request_for_an_unknown_upload_records_nothing(dead_letters, uploads, mailer):
    assert dead_letters.receive(apply_record("no-such-upload")) == []
    assert uploads.records == {} and mailer.emails_for("no-such-upload") == []
