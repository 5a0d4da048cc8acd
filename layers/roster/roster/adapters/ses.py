"""Emails to administrators through SES, exactly one per outcome per upload.

Powertools idempotency records each send under a key (upload id + kind): a retried step that
sends again gets the recorded answer back instead of a second email. A send that crashed
mid-way stays IN_PROGRESS until the Lambda's own timeout passes, then may be tried again."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import idempotent_function

from roster.adapters.clients import client
from roster.adapters.idempotency import email_idempotency, persistence_layer
from roster.emails import OutgoingEmail, to_mime
from roster.notify.recipients import in_parts, part_kind

logger = Logger(child=True)

class SesMailer:
    """The Mailer port: SES, one email per kind per upload."""

    def send_once(self, kind: str, email: OutgoingEmail) -> str:
        """Send `email` unless one of this kind was already sent for its upload; the SES message id
        (of its first message, when it has more recipients than SES takes in one: each part is
        sent once, under its own key, roster.notify.recipients)."""
        ids = [send_once(part_kind(kind, n), part) for n, part in enumerate(in_parts(email))]
        return ids[0]


def send_once(kind: str, email: OutgoingEmail) -> str:
    """Send `email` unless one of this kind was already sent for its upload; returns the SES message id."""
    answer = _sender()(request={"key": f"{email.upload_id}#{kind}", "kind": kind, "email": _as_dict(email)})
    return answer["message_id"]


@lru_cache(maxsize=1)
def _sender() -> Callable[..., dict[str, str]]:
    def send_email(request: dict[str, Any]) -> dict[str, str]:
        email = _from_dict(request["email"])
        response = client("ses").send_raw_email(
            Source=email.sender, Destinations=email.recipients, RawMessage={"Data": to_mime(email)})
        logger.info("email sent", extra={"upload_id": email.upload_id, "kind": request["kind"],
                                         "message_id": response["MessageId"]})
        # Counted here, where an email really goes out (a replayed send does not run this);
        # Metrics instances share one set, flushed by the calling handler's log_metrics.
        Metrics().add_metric(name="EmailsSent", unit=MetricUnit.Count, value=1)
        return {"message_id": str(response["MessageId"])}

    # Applied as a call, not with @: Powertools' decorator is untyped, and the typed variable
    # keeps the signature. The function keeps its qualified name, part of every idempotency key.
    sender: Callable[..., dict[str, str]] = idempotent_function(
        data_keyword_argument="request", config=email_idempotency, persistence_store=persistence_layer(),
    )(send_email)
    return sender


def _as_dict(email: OutgoingEmail) -> dict[str, Any]:
    # The idempotency payload must be JSON: attachments travel as text (reports, plans and results are CSV).
    values = {name: getattr(email, name) for name in email.__dataclass_fields__}
    if email.attachment is not None and (email.attachment_name or "").endswith(".xlsx"):
        # A workbook upload's results are a workbook (docs/csv-format.md): bytes, carried as base64.
        values["attachment"], values["attachment_base64"] = base64.b64encode(email.attachment).decode(), True
    else:
        values["attachment"] = email.attachment.decode("utf-8") if email.attachment is not None else None
    values["also_to"] = list(email.also_to)
    values["more_attachments"] = [[name, content.decode("utf-8")] for name, content in email.more_attachments]
    return values


def _from_dict(values: dict[str, Any]) -> OutgoingEmail:
    values = dict(values)
    if "job_id" in values:  # recorded before the upload id had one name in code (roster.model.uploads)
        values["upload_id"] = values.pop("job_id")
    text = values.get("attachment")
    attachment = (base64.b64decode(text) if values.pop("attachment_base64", False) else text.encode("utf-8")) \
        if text is not None else None
    more = tuple((name, content.encode("utf-8")) for name, content in values.get("more_attachments", ()))
    return OutgoingEmail(**{**values, "attachment": attachment,
                            "also_to": tuple(values.get("also_to", ())), "more_attachments": more})
