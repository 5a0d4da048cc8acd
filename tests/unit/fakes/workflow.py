"""The create phase's workflow and the steps other steps call, in memory: Workflow,
ExecutionLookup, ApplyRequests, UploadFinisher and Approvals (roster.ports)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from roster.approval.policy import ApprovalRefused, ApprovalRequest
from roster.emails import OutgoingEmail
from roster.errors import NotAwaitingApproval
from roster.model.uploads import FINAL_STATES, ExecutionStatus, Upload, UploadState
from roster.queue.dispatch import dispatch_waiting
from tests.unit.fakes.mail import FakeMailer
from tests.unit.fakes.queue import FakeQueue
from tests.unit.fakes.uploads import FakeUploads


class FakeWorkflow:
    """Workflow: executions by name; a second start of a name is refused, as Step Functions does."""

    def __init__(self) -> None:
        self.executions: dict[str, dict[str, Any]] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        if name in self.executions:
            return False
        self.executions[name] = dict(payload)
        return True


class FakeExecutions:
    """ExecutionLookup: Step Functions executions by upload id (None: never started)."""

    def __init__(self) -> None:
        self.executions: dict[str, ExecutionStatus] = {}

    def status(self, upload_id: str) -> ExecutionStatus | None:
        return self.executions.get(upload_id)


@dataclass
class FakeApplier:
    """ApplyRequests: the uploads handed to the apply function, in order."""

    requested: list[str] = field(default_factory=list)

    def request(self, upload_id: str) -> None:
        self.requested.append(upload_id)


@dataclass
class FakeFinisher:
    """UploadFinisher (NotifyStep.finish) as it behaves: results, final state, one results email,
    holds released, queue dispatched. `broken` makes it raise, as a bug in finish would."""

    uploads: FakeUploads
    queue: FakeQueue
    mailer: FakeMailer
    start: Callable[[str], None]
    broken: bool = False
    calls: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)

    def finish(self, upload_id: str, failure: dict[str, Any] | None = None) -> Upload:
        self.calls.append((upload_id, failure))
        if self.broken:
            raise RuntimeError("the results file cannot be written")
        upload = self.uploads.get(upload_id)
        if upload.state not in FINAL_STATES:
            error = f"{failure['Error']}: {failure['Cause']}" if failure else None
            upload = self.uploads.set_state(upload_id, UploadState.FAILED if failure else UploadState.COMPLETED, error=error,
                                            results_key=f"results/{upload_id}/{upload_id}-results.csv")
        self.mailer.send_once("upload-complete", OutgoingEmail("roster@example.nhs.net", upload.uploader,
                                                               f"Upload complete: {upload.file_name}", "",
                                                               upload_id=upload_id))
        self.queue.release(upload_id, upload.orgs)
        dispatch_waiting(self.queue, self.start)
        return upload


class FakeApprovals:
    """Approvals as roster.approval.step answers them, by the rules of roster.approval.policy."""

    def __init__(self, uploads: FakeUploads) -> None:
        self.uploads = uploads

    def approve_upload(self, upload_id: str, approver: str) -> Upload:
        upload = self._waiting(upload_id)
        granted = ApprovalRequest(upload.uploader, {o: frozenset(a) for o, a in upload.approval_administrators.items()},
                                  dict(upload.approvals)).approve(approver)
        state = UploadState.VALIDATING if granted.complete else upload.state
        return self.uploads.put(upload.model_copy(update={"approvals": dict(granted.approvals), "state": state}))

    def cancel_upload(self, upload_id: str, who: str) -> Upload:
        upload = self._waiting(upload_id)
        request = ApprovalRequest(upload.uploader, {o: frozenset(a) for o, a in upload.approval_administrators.items()})
        if not request.may_cancel(who):
            raise ApprovalRefused("You do not administer any organisation this upload changes.")
        return self.uploads.put(upload.model_copy(update={"state": UploadState.CANCELLED, "cancelled_by": who}))

    def _waiting(self, upload_id: str) -> Upload:
        upload = self.uploads.get(upload_id)
        if upload.state is not UploadState.AWAITING_APPROVAL:
            raise NotAwaitingApproval(f"Upload {upload_id} is {upload.state.value}; it is not waiting for approval.")
        return upload
