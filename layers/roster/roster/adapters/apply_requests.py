"""Applying a validated upload is the apply function's work: the API hands it over with an
asynchronous Lambda invocation (Lambda retries it; a repeat is a no-op)."""

from __future__ import annotations

from typing import Any

from roster.model.requests import ApplyRequest


class LambdaApplyRequests:
    """Invokes the apply function asynchronously."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self.lambda_client = lambda_client
        self.function_name = function_name

    def request(self, upload_id: str) -> None:
        payload = ApplyRequest(upload_id=upload_id).model_dump_json()
        self.lambda_client.invoke(FunctionName=self.function_name, InvocationType="Event",
                                  Payload=payload.encode("utf-8"))
