"""The HTTP API's routes (docs/api.md#http-api) on Powertools' resolver: each one reads the
request, makes one call to the front door and shapes the answer. The front door comes from
the resolver's context (`append_context(front_door=...)`), so tests pass one on fakes."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from roster.api.access import Caller
from roster.api.downloads import CsvDownload, WorkbookDownload
from roster.api.errors import BadRequest, NotFound
from roster.api.front_door import FrontDoor
from roster.api.records import RecordsDesk
from roster.api.sample import sample_csv, sample_file_name, sample_workbook, sample_workbook_name
from roster.contract.columns import UploadFormat
from roster.contract.workbook_writer import XLSX_CONTENT_TYPE

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def _front_door() -> FrontDoor:
    front_door: FrontDoor = router.context["front_door"]
    return front_door


def _caller() -> Caller:
    return _front_door().caller(router.current_event.request_context.authorizer.jwt_claim)


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def _csv(download: CsvDownload) -> Response[str]:
    if download.location is not None:  # too big to answer inline (roster.api.downloads)
        return Response(status_code=303, content_type=content_types.APPLICATION_JSON,
                        body=json.dumps({"location": download.location, "file_name": download.file_name}),
                        headers={"Location": download.location})
    return Response(status_code=200, content_type="text/csv; charset=utf-8", body=download.text,
                    headers={"Content-Disposition": f'attachment; filename="{download.file_name}"'})


def _xlsx(download: WorkbookDownload) -> Response[bytes] | Response[str]:
    if download.location is not None:  # too big to answer inline (roster.api.downloads)
        return Response(status_code=303, content_type=content_types.APPLICATION_JSON,
                        body=json.dumps({"location": download.location, "file_name": download.file_name}),
                        headers={"Location": download.location})
    return Response(status_code=200, content_type=XLSX_CONTENT_TYPE, body=download.body,
                    headers={"Content-Disposition": f'attachment; filename="{download.file_name}"'})


def _sample_format() -> UploadFormat:
    wanted = router.current_event.get_query_string_value("format", "current") or "current"
    if wanted not in ("current", "legacy"):
        raise BadRequest("format must be current or legacy.")
    return UploadFormat(wanted)


# The console's page and files are served by the api function itself (functions/api/console_routes.py).


@router.get("/config")
def config() -> dict[str, Any]:
    return _front_door().sign_in


@router.get("/me")
def me() -> dict[str, Any]:
    return _front_door().me(_caller())


@router.get("/sample.csv")
def sample() -> Response[str]:
    # No sign-in: the console links to it plainly, and it holds only the header and an example row.
    upload_format = _sample_format()
    return _csv(CsvDownload(sample_file_name(upload_format), sample_csv(upload_format)))


@router.get("/sample.xlsx")
def sample_xlsx() -> Response[bytes] | Response[str]:
    # As /sample.csv: no sign-in, every column formatted as Text (docs/csv-format.md).
    upload_format = _sample_format()
    return _xlsx(WorkbookDownload(sample_workbook_name(upload_format), sample_workbook(upload_format)))


@router.post("/uploads")
def issue_form() -> Response[str]:
    caller = _caller()
    try:
        body = router.current_event.json_body
    except ValueError:
        raise BadRequest('Send JSON: {"file_name": "...", "validate_only": true or false}.') from None
    if not isinstance(body, dict):
        raise BadRequest('Send a JSON object: {"file_name": "...", "validate_only": true or false}.')
    return _json(201, _front_door().uploads.issue_form(caller, body))


@router.get("/uploads")
def list_uploads() -> dict[str, Any]:
    event = router.current_event
    return _front_door().uploads.list_uploads(_caller(), event.get_query_string_value("limit"),
                                              event.get_query_string_value("cursor"))


@router.get("/uploads/<upload_id>")
def describe(upload_id: str) -> dict[str, Any]:
    return _front_door().uploads.describe(_caller(), upload_id)


@router.get("/uploads/<upload_id>/validation.csv")
def validation_report(upload_id: str) -> Response[str]:
    return _csv(_front_door().uploads.validation_report(_caller(), upload_id))


@router.post("/uploads/<upload_id>/apply")
def apply(upload_id: str) -> Response[str]:
    return _json(202, _front_door().uploads.apply(_caller(), upload_id))


@router.get("/uploads/<upload_id>/plan.csv")
def plan(upload_id: str) -> Response[str]:
    return _csv(_front_door().uploads.plan(_caller(), upload_id))


@router.post("/uploads/<upload_id>/approve")
def approve(upload_id: str) -> dict[str, Any]:
    return _front_door().uploads.approve(_caller(), upload_id)


@router.post("/uploads/<upload_id>/cancel")
def cancel(upload_id: str) -> dict[str, Any]:
    return _front_door().uploads.cancel(_caller(), upload_id)


@router.get("/uploads/<upload_id>/results.csv")
def results(upload_id: str) -> Response[str]:
    return _csv(_front_door().uploads.results(_caller(), upload_id))


@router.get("/uploads/<upload_id>/results.xlsx")
def results_workbook(upload_id: str) -> Response[bytes] | Response[str]:
    return _xlsx(_front_door().uploads.results_workbook(_caller(), upload_id))


@router.get("/uploads/<upload_id>/changes.csv")
def changes(upload_id: str) -> Response[str]:
    return _csv(_records().changes_csv(_caller(), upload_id))


@router.get("/accounts/<email>/history")
def account_history(email: str) -> dict[str, Any]:
    return _records().history(_caller(), email)


@router.post("/uploads/<upload_id>/undo")
def undo(upload_id: str) -> Response[str]:
    desk = _front_door().undo
    if desk is None:
        raise NotFound("Undo is not available here.")
    upload, created = desk.undo(_caller(), upload_id)
    return _json(201 if created else 200,
                 {"upload_id": upload.upload_id, "undo_of": upload_id, "state": upload.state.value})


def _records() -> RecordsDesk:
    records = _front_door().records
    if records is None:
        raise NotFound("The record of changes is not available here.")
    return records


@router.get("/report.csv")
def organisation_report() -> Response[str]:
    ods = router.current_event.get_query_string_value("ods")
    return _csv(_front_door().organisation_report(_caller(), ods))
