"""Row outcomes in the create phase: each row's outcome is written once, in the same
transaction as its effect, and a row found already done reports what was recorded."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from aws_lambda_powertools import Logger

from roster.audit.records import Provenance
from roster.errors import TransientInfrastructureError, is_infrastructure_error
from roster.model.rows import RowResult
from roster.model.uploads import RowOutcome
from roster.model.writes import Cancelled, OutcomeRecord, Write
from roster.ports import Transactions, UploadRecords

logger = Logger(child=True)

# How often a row's transaction is tried again when another transaction got in its way.
MAX_CONFLICT_RETRIES = 8
T = TypeVar("T")


def back_off(attempt: int) -> None:
    """Wait a little longer after each conflict (20 ms, 40 ms, ... 2.56 s)."""
    time.sleep(0.01 * 2**attempt)


@dataclass
class RowRecorder:
    """Commits one upload's row transactions and records outcomes, each row at most once."""

    upload_id: str
    uploads: UploadRecords
    transactions: Transactions
    now: str
    provenance: Provenance  # who applies the upload's rows: every change's record says so
    pause: Callable[[int], None] = field(default=back_off)

    def outcome(self, line: int, result: RowResult, message: str, email: str = "",
                sealed_password: str | None = None) -> RowOutcome:
        """The outcome of a row, done now."""
        return RowOutcome(line=line, result=result, message=message, email=email,
                          sealed_password=sealed_password, done_at=self.now)

    def write(self, outcome: RowOutcome) -> OutcomeRecord:
        """The write that records an outcome; refused when the row has one already."""
        return OutcomeRecord(upload_id=self.upload_id, outcome=outcome)

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        """One row transaction (see the Transactions port)."""
        return self.transactions.commit(writes)

    def record_alone(self, line: int, result: RowResult, message: str, email: str = "") -> RowOutcome:
        """Record an outcome that has no effect on the directory (unchanged or failed rows)."""
        outcome = self.outcome(line, result, message, email)
        for attempt in range(1, MAX_CONFLICT_RETRIES + 1):
            cancelled = self.commit({"outcome": self.write(outcome)})
            if cancelled is None:
                return outcome
            if "outcome" in cancelled.refused:
                return self.recorded(line)
            self.pause(attempt)
        raise TransientInfrastructureError(f"line {line}: the outcome could not be recorded")

    def recorded(self, line: int) -> RowOutcome:
        """The outcome an earlier attempt recorded for this line."""
        return self.uploads.outcomes_for(self.upload_id, [line])[line]

    def guarded(self, line: int, apply: Callable[[], T]) -> T | RowOutcome:
        """apply() for one row. An unexpected error is that row's Failed outcome, never the
        batch's: the other rows go on. AWS and network errors still raise, to be retried."""
        try:
            return apply()
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise
            return self.failed_unexpectedly(line, exc)

    def failed_unexpectedly(self, line: int, exc: Exception) -> RowOutcome:
        """Record a row stopped by an error in Roster itself; logged with where it happened, but
        not the exception's text, which may quote the row's data."""
        logger.error("row failed unexpectedly", extra={
            "upload_id": self.upload_id, "line": line, "error_type": type(exc).__name__,
            "stack": "".join(traceback.format_tb(exc.__traceback__)),
        })
        return self.record_alone(line, RowResult.FAILED, (
            f"Not applied: an unexpected error in Roster ({type(exc).__name__}) stopped this row, and nothing was "
            "changed for it; the other rows were applied. Upload the results file again to retry it. If it fails "
            f"again, report upload {self.upload_id}, line {line}, to your Roster support team."))
