"""The dead-letter consumer, on in-memory fakes: an upload whose validation failed every attempt."""

from __future__ import annotations

from roster.dead_letter.step import dead_lettered_uploads, failure_reason
from roster.model.uploads import UploadState, upload_id_for
from tests.unit.conftest import BUCKET, an_upload

KEY = "uploads/admin@example.nhs.net/0a1b/new starters.csv"


def invocation_record(key: str = KEY, version_id: str | None = "v1", attempts: int = 3) -> dict:
    """What Lambda sends to the on-failure destination after the last attempt (its documented shape)."""
    s3_object = {"key": key.replace(" ", "+").replace("@", "%40"), "size": 10,
                 **({"versionId": version_id} if version_id else {})}
    return {
        "version": "1.0",
        "timestamp": "2026-03-02T12:00:00.000Z",
        "requestContext": {"requestId": "r-1", "functionArn": "arn:aws:lambda:eu-west-2:1:function:validate:$LATEST",
                           "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
        "requestPayload": {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                                        "s3": {"bucket": {"name": BUCKET}, "object": s3_object}}]},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "TransientInfrastructureError", "errorMessage": "DynamoDB throttled"},
    }


def test_an_upload_event_that_never_got_a_record_is_recorded_failed_and_its_uploader_told_once(dead_letters, uploads, upload_files,
                                                                                         mailer):
    # Given the upload's metadata names its uploader, and validate never created its upload
    upload_files.add(KEY, uploader="ward.admin@example.nhs.net")

    # When its dead letter arrives, twice (SQS delivers at least once)
    first = dead_letters.receive(invocation_record())
    second = dead_letters.receive(invocation_record())

    # Then one upload, FAILED under validate's upload id, with the reason; one "Upload failed:" email
    upload_id = upload_id_for(BUCKET, KEY, "v1")
    upload = uploads.get(upload_id)
    assert upload.state is UploadState.FAILED and upload.uploader == "ward.admin@example.nhs.net"
    assert upload.file_name == "new starters.csv" and upload.key == KEY
    assert "failed 3 attempts" in upload.error and "DynamoDB throttled" in upload.error
    (email,) = mailer.emails_for(upload_id)
    assert email.subject == "Upload failed: new starters.csv" and email.recipient == "ward.admin@example.nhs.net"
    assert "Nothing was created or changed" in email.body and "upload the file again" in email.body
    assert [o.action for o in first] == ["failed"] and [o.action for o in second] == ["failed"]
    assert len(uploads.records) == 1


def test_an_upload_stuck_validating_is_ended_failed(dead_letters, uploads, upload_files, mailer):
    upload_files.add(KEY)
    upload_id = upload_id_for(BUCKET, KEY, "v1")
    uploads.put(an_upload(upload_id, UploadState.VALIDATING).model_copy(update={"key": KEY}))

    (outcome,) = dead_letters.receive(invocation_record())

    assert outcome.action == "failed" and uploads.get(upload_id).state is UploadState.FAILED
    assert len(mailer.emails_for(upload_id)) == 1


def test_an_upload_whose_validation_finished_is_left_to_its_pipeline(dead_letters, uploads, upload_files, mailer):
    # Given validation ran and queued the upload, but every response was lost (a timeout after the work)
    upload_files.add(KEY)
    upload_id = upload_id_for(BUCKET, KEY, "v1")
    uploads.put(an_upload(upload_id, UploadState.QUEUED).model_copy(update={"key": KEY}))

    (outcome,) = dead_letters.receive(invocation_record())

    assert outcome.action == "ignored" and outcome.state is UploadState.QUEUED
    assert uploads.get(upload_id).state is UploadState.QUEUED
    assert mailer.sent == {}


def test_the_version_comes_from_the_object_when_the_event_has_none(dead_letters, uploads, upload_files):
    upload_files.add(KEY, version_id="v7")

    (outcome,) = dead_letters.receive(invocation_record(version_id=None))

    assert outcome.upload_id == upload_id_for(BUCKET, KEY, "v7")


def test_a_record_without_an_upload_records_nothing(dead_letters, uploads, mailer):
    record = {**invocation_record(), "requestPayload": {"Service": "Amazon S3", "Event": "s3:TestEvent"}}

    assert dead_letters.receive(record) == []
    assert uploads.records == {} and mailer.sent == {}


def test_event_keys_are_url_decoded():
    (upload,) = dead_lettered_uploads(invocation_record())

    assert upload.key == KEY and upload.version_id == "v1"


def test_the_reason_names_the_attempts_the_condition_and_the_last_error():
    reason = failure_reason({**invocation_record(attempts=2), "responsePayload": {"errorMessage": "x" * 1000}})

    assert reason.startswith("Validation never finished: the upload event failed 2 attempts")
    assert "(RetriesExhausted)" in reason and len(reason) < 450
