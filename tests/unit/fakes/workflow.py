"""The create phase's workflow and the steps other steps call, in memory: Workflow,
ExecutionLookup, ApplyRequests, JobFinisher and Approvals (roster.ports)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from roster.approval.policy import ApprovalRefused, ApprovalRequest
from roster.emails import OutgoingEmail
from roster.errors import NotAwaitingApproval
from roster.model.jobs import FINAL_STATES, ExecutionStatus, Job, JobState
from roster.queue.dispatch import dispatch_waiting
from tests.unit.fakes.jobs import FakeJobs
from tests.unit.fakes.mail import FakeMailer
from tests.unit.fakes.queue import FakeQueue


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
    """ExecutionLookup: Step Functions executions by job id (None: never started)."""

    def __init__(self) -> None:
        self.executions: dict[str, ExecutionStatus] = {}

    def status(self, job_id: str) -> ExecutionStatus | None:
        return self.executions.get(job_id)


@dataclass
class FakeApplier:
    """ApplyRequests: the uploads handed to the apply function, in order."""

    requested: list[str] = field(default_factory=list)

    def request(self, upload_id: str) -> None:
        self.requested.append(upload_id)


@dataclass
class FakeFinisher:
    """JobFinisher (NotifyStep.finish) as it behaves: results, final state, one results email,
    holds released, queue dispatched. `broken` makes it raise, as a bug in finish would."""

    jobs: FakeJobs
    queue: FakeQueue
    mailer: FakeMailer
    start: Callable[[str], None]
    broken: bool = False
    calls: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)

    def finish(self, job_id: str, failure: dict[str, Any] | None = None) -> Job:
        self.calls.append((job_id, failure))
        if self.broken:
            raise RuntimeError("the results file cannot be written")
        job = self.jobs.get(job_id)
        if job.state not in FINAL_STATES:
            error = f"{failure['Error']}: {failure['Cause']}" if failure else None
            job = self.jobs.set_state(job_id, JobState.FAILED if failure else JobState.COMPLETED, error=error,
                                      results_key=f"results/{job_id}/{job_id}-results.csv")
        self.mailer.send_once("upload-complete", OutgoingEmail("roster@example.nhs.net", job.uploader,
                                                               f"Upload complete: {job.file_name}", "",
                                                               job_id=job_id))
        self.queue.release(job_id, job.orgs)
        dispatch_waiting(self.queue, self.start)
        return job


class FakeApprovals:
    """Approvals as roster.approval.step answers them, by the rules of roster.approval.policy."""

    def __init__(self, jobs: FakeJobs) -> None:
        self.jobs = jobs

    def approve_upload(self, job_id: str, approver: str) -> Job:
        job = self._waiting(job_id)
        granted = ApprovalRequest(job.uploader, {o: frozenset(a) for o, a in job.approval_administrators.items()},
                                  dict(job.approvals)).approve(approver)
        state = JobState.VALIDATING if granted.complete else job.state
        return self.jobs.put(job.model_copy(update={"approvals": dict(granted.approvals), "state": state}))

    def cancel_upload(self, job_id: str, who: str) -> Job:
        job = self._waiting(job_id)
        request = ApprovalRequest(job.uploader, {o: frozenset(a) for o, a in job.approval_administrators.items()})
        if not request.may_cancel(who):
            raise ApprovalRefused("You do not administer any organisation this upload changes.")
        return self.jobs.put(job.model_copy(update={"state": JobState.CANCELLED, "cancelled_by": who}))

    def _waiting(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job.state is not JobState.AWAITING_APPROVAL:
            raise NotAwaitingApproval(f"Upload {job_id} is {job.state.value}; it is not waiting for approval.")
        return job
