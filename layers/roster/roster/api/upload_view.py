"""An upload as the API shows it (`GET /uploads/{id}`, docs/api.md#routes), and the first findings of its report."""

from __future__ import annotations

import csv
import io
from typing import Any

from roster.api.approval_view import approval_view
from roster.contract.file_names import shown_file_name
from roster.contract.spreadsheet import unescape_formula
from roster.model.uploads import FINAL_STATES, Upload

FIRST_FINDINGS = 20


def upload_view(upload: Upload, caller_email: str) -> dict[str, Any]:
    """The upload's state, counts and progress, and where its report and results are."""
    counts = dict(upload.counts)
    view: dict[str, Any] = {
        "upload_id": upload.upload_id,
        "file_name": shown_file_name(upload.file_name),  # one that came another way than POST /uploads
        "uploader": upload.uploader,
        "state": upload.state.value,
        "final": upload.state in FINAL_STATES,  # clients stop watching here: the one list is model.uploads'
        "validate_only": upload.validate_only,
        "format": upload.format,
        "counts": counts,
        "progress": {"applied": sum(upload.progress.values()), "rows": counts.get("rows", 0)},
        "orgs": list(upload.orgs),
        "created_at": upload.created_at,
        "updated_at": upload.updated_at,
        "links": _links(upload, caller_email),
    }
    if upload.form_expires_at and upload.state.value == "AWAITING_FILE":
        view["form_expires_at"] = upload.form_expires_at
    if upload.error:
        view["error"] = upload.error
    approval = approval_view(upload, caller_email)
    if approval is not None:
        view["approval"] = approval
    return view


def _links(upload: Upload, caller_email: str) -> dict[str, str]:
    links = {"self": f"/uploads/{upload.upload_id}"}
    if upload.report_key:
        links["validation_report"] = f"/uploads/{upload.upload_id}/validation.csv"
    if upload.results_key and upload.uploader.lower() == caller_email:
        # A workbook upload's results are a workbook (docs/csv-format.md).
        extension = "xlsx" if upload.results_key.endswith(".xlsx") else "csv"
        links["results"] = f"/uploads/{upload.upload_id}/results.{extension}"
    return links


def first_findings(report_csv: str, limit: int = FIRST_FINDINGS) -> list[dict[str, Any]]:
    """The first findings of a validation report (docs/csv-format.md#validation-report), as the report shows them."""
    reader = csv.DictReader(io.StringIO(report_csv.lstrip("\ufeff"), newline=""))
    findings: list[dict[str, Any]] = []
    for row in reader:
        if len(findings) == limit:
            break
        line = row.get("Line") or ""
        findings.append({"line": int(line) if line.isdigit() else None,
                         "column": unescape_formula(row.get("Column") or ""),
                         "value": unescape_formula(row.get("Value") or ""),
                         "severity": row.get("Severity") or "",
                         "message": unescape_formula(row.get("Message") or "")})
    return findings
