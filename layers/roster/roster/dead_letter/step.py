"""Dead letters: upload events on which the validate function failed every attempt.

S3 invokes validate asynchronously. When every attempt fails, Lambda sends an invocation
record (the S3 event as `requestPayload`, the last error as `responsePayload`) to the
function's on-failure destination, an SQS queue (template.yaml). Its consumer records each
upload whose validation never finished as FAILED, creating the upload if validate never got
that far (same upload id: `upload_id_for` on the uploaded object version), and tells the uploader
once. An upload whose validation did finish (the attempts "failed" only because their
responses were lost) is left to its own pipeline. The apply function's failed requests come
to the same queue (its `requestPayload` is the apply request, `{"upload_id": ...}`) and are
recorded the same way (docs/deploy.md, "The dead-letter queue")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from roster.errors import UploadNotFound
from roster.model.files import object_key_from_event
from roster.model.uploads import Upload, UploadState, upload_id_for
from roster.ports import FailureNotice, OpenUploadRecords, UploadFiles, UploadRecords

logger = Logger(child=True)

UNFINISHED_VALIDATION = (UploadState.RECEIVED, UploadState.VALIDATING)
MAX_ERROR_TEXT = 300


@dataclass(frozen=True)
class DeadLetteredUpload:
    """One uploaded object version named by a dead-lettered S3 event."""

    key: str
    version_id: str | None


@dataclass(frozen=True)
class DeadLetterOutcome:
    """What the consumer did with one upload: `failed` (recorded FAILED, uploader told) or `ignored`."""

    upload_id: str
    action: str
    state: UploadState


def dead_lettered_uploads(record: Mapping[str, Any]) -> list[DeadLetteredUpload]:
    """The uploads named by an invocation record's S3 event (none if it holds no S3 event)."""
    payload = record.get("requestPayload")
    entries = payload.get("Records", []) if isinstance(payload, Mapping) else []
    uploads = []
    for entry in entries:
        s3_object = entry.get("s3", {}).get("object", {}) if isinstance(entry, Mapping) else {}
        if "key" in s3_object:
            uploads.append(DeadLetteredUpload(object_key_from_event(s3_object["key"]), s3_object.get("versionId")))
    return uploads


def applied_upload(record: Mapping[str, Any]) -> str | None:
    """The upload id of an apply request's invocation record (None for any other record)."""
    payload = record.get("requestPayload")
    upload_id = payload.get("upload_id") if isinstance(payload, Mapping) else None
    return upload_id if isinstance(upload_id, str) and upload_id else None


def failure_reason(record: Mapping[str, Any]) -> str:
    """The upload's error text: how many attempts failed, why Lambda gave up, and the last error."""
    context = record.get("requestContext", {})
    what = "the apply request failed" if applied_upload(record) else "the upload event failed"
    function = "apply" if applied_upload(record) else "validate"
    response = record.get("responsePayload")
    if isinstance(response, Mapping):
        last = f"{response.get('errorType', 'error')}: {response.get('errorMessage', '')}"
    else:
        last = str(response or "no response")
    return (f"Validation never finished: {what} {context.get('approximateInvokeCount', '?')} "
            f"attempts of the {function} function ({context.get('condition', 'unknown')}); "
            f"last error {last[:MAX_ERROR_TEXT]}")


@dataclass
class DeadLetters:
    """The dead-letter consumer's stores, passed in (production wiring in roster.wiring)."""

    uploads: UploadRecords
    transitions: OpenUploadRecords
    files: UploadFiles
    notice: FailureNotice

    def receive(self, record: Mapping[str, Any]) -> list[DeadLetterOutcome]:
        """Record every upload of one invocation record; safe to repeat (SQS delivers at least once)."""
        upload_id = applied_upload(record)
        if upload_id is not None:
            try:
                return [self._record_applied(upload_id, failure_reason(record))]
            except UploadNotFound:  # expired, or never recorded: nothing to end, and a retry would find nothing
                logger.warning("dead letter of an apply request for an unknown upload", extra={"upload_id": upload_id})
                return []
        uploads = dead_lettered_uploads(record)
        if not uploads:
            logger.warning("dead letter names no uploaded object; nothing to record",
                           extra={"condition": record.get("requestContext", {}).get("condition")})
            return []
        reason = failure_reason(record)
        return [self._record(upload, reason) for upload in uploads]

    def _record(self, dead: DeadLetteredUpload, reason: str) -> DeadLetterOutcome:
        stored = self.files.describe(dead.key, dead.version_id)
        failed = Upload(upload_id=upload_id_for(stored.bucket, stored.key, stored.version_id),
                        state=UploadState.FAILED, bucket=stored.bucket, key=stored.key, version_id=stored.version_id,
                        file_name=stored.file_name, uploader=stored.uploader, validate_only=stored.validate_only,
                        error=reason)
        upload, created = self.uploads.create_if_absent(failed)
        if not created and upload.state in UNFINISHED_VALIDATION:
            upload = (self.transitions.fail_if_in(upload.upload_id, UNFINISHED_VALIDATION, reason)
                      or self.uploads.get(upload.upload_id))
        return self._told(upload)

    def _record_applied(self, upload_id: str, reason: str) -> DeadLetterOutcome:
        """An apply request that failed every attempt: its upload (which the API recorded) ended FAILED."""
        upload = self.uploads.get(upload_id)
        if upload.state in UNFINISHED_VALIDATION:
            upload = (self.transitions.fail_if_in(upload.upload_id, UNFINISHED_VALIDATION, reason)
                      or self.uploads.get(upload.upload_id))
        return self._told(upload)

    def _told(self, upload: Upload) -> DeadLetterOutcome:
        # A FAILED upload without results failed before its create phase: this consumer (or the sweeper)
        # ended it, and the email is sent at most once whoever asks, so a redelivery repeats nothing.
        if upload.state is UploadState.FAILED and upload.results_key is None:
            self.notice.tell(upload)
            logger.warning("upload recorded FAILED after its validation failed every attempt",
                           extra={"upload_id": upload.upload_id, "error": upload.error})
            return DeadLetterOutcome(upload.upload_id, "failed", upload.state)
        logger.info("dead letter of an upload whose validation finished; its pipeline goes on",
                    extra={"upload_id": upload.upload_id, "state": upload.state.value})
        return DeadLetterOutcome(upload.upload_id, "ignored", upload.state)
