"""An upload as the API shows it (`GET /uploads/{id}`, docs/api.md#routes), and the first findings of its report."""

from __future__ import annotations

import csv
import io
from typing import Any

from roster.api.approval_view import approval_view
from roster.contract.file_names import shown_file_name
from roster.contract.spreadsheet import unescape_formula
from roster.model.jobs import FINAL_STATES, Job

FIRST_FINDINGS = 20


def upload_view(job: Job, caller_email: str) -> dict[str, Any]:
    """The upload's state, counts and progress, and where its report and results are."""
    counts = dict(job.counts)
    view: dict[str, Any] = {
        "upload_id": job.job_id,
        "file_name": shown_file_name(job.file_name),  # one that came another way than POST /uploads
        "uploader": job.uploader,
        "state": job.state.value,
        "final": job.state in FINAL_STATES,  # clients stop watching here: the one list is model.jobs'
        "validate_only": job.validate_only,
        "format": job.format,
        "counts": counts,
        "progress": {"applied": sum(job.progress.values()), "rows": counts.get("rows", 0)},
        "orgs": list(job.orgs),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "links": _links(job, caller_email),
    }
    if job.form_expires_at and job.state.value == "AWAITING_FILE":
        view["form_expires_at"] = job.form_expires_at
    if job.error:
        view["error"] = job.error
    approval = approval_view(job, caller_email)
    if approval is not None:
        view["approval"] = approval
    return view


def _links(job: Job, caller_email: str) -> dict[str, str]:
    links = {"self": f"/uploads/{job.job_id}"}
    if job.report_key:
        links["validation_report"] = f"/uploads/{job.job_id}/validation.csv"
    if job.results_key and job.uploader.lower() == caller_email:
        # A workbook upload's results are a workbook (docs/csv-format.md).
        links["results"] = f"/uploads/{job.job_id}/results.{'xlsx' if job.results_key.endswith('.xlsx') else 'csv'}"
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
