"""In-memory stand-ins for the ports of the dead-letter consumer and the sweeper: no AWS.

They keep the rules the real adapters keep (a conditional state change, all-or-nothing
holds, an email at most once per job and kind), so the domain's behaviour can be read off
them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from roster.emails import OutgoingEmail
from roster.errors import JobNotFound
from roster.model.files import UploadedObject
from roster.model.jobs import FINAL_STATES, ExecutionStatus, Job, JobState, OpenJob, QueuedJob
from roster.queue.dispatch import dispatch_waiting

BUCKET = "roster-uploads"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def minutes_ago(minutes: float) -> str:
    return iso(NOW - timedelta(minutes=minutes))


def a_job(job_id: str, state: JobState, orgs: list[str] | None = None, uploader: str = "admin@example.nhs.net",
          created_at: str | None = None) -> Job:
    return Job(job_id=job_id, state=state, bucket=BUCKET, key=f"uploads/{uploader}/u-{job_id}/{job_id}.csv",
               version_id="v1", file_name=f"{job_id}.csv", uploader=uploader, orgs=orgs or [],
               created_at=created_at or minutes_ago(60), updated_at=created_at or minutes_ago(60))


class FakeJobs:
    """Job records with the open-jobs index: JobStore's create/get and OpenJobs' queries in one."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.since: dict[str, str] = {}

    def put(self, job: Job, since: str | None = None) -> Job:
        self.jobs[job.job_id] = job
        self.since[job.job_id] = since or job.updated_at
        return job

    def set_state(self, job_id: str, state: JobState, **changes: Any) -> Job:
        return self.put(self.jobs[job_id].model_copy(update={"state": state, "updated_at": iso(NOW), **changes}),
                        since=iso(NOW))

    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        if job.job_id in self.jobs:
            return self.jobs[job.job_id], False
        return self.put(job, since=job.created_at), True

    def get(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise JobNotFound(job_id)
        return self.jobs[job_id]

    def in_state(self, state: JobState, entered_before: str | None = None) -> list[OpenJob]:
        found = [OpenJob(job, self.since[job.job_id]) for job in self.jobs.values()
                 if job.state is state and state not in FINAL_STATES
                 and (entered_before is None or self.since[job.job_id] < entered_before)]
        return sorted(found, key=lambda open_job: open_job.since)

    def fail_if_in(self, job_id: str, states: Iterable[JobState], error: str) -> Job | None:
        job = self.jobs.get(job_id)
        if job is None or job.state not in set(states):
            return None
        return self.set_state(job_id, JobState.FAILED, error=error)


class FakeUploads:
    """The uploaded objects' metadata (UploadStore.describe)."""

    def __init__(self) -> None:
        self.objects: dict[str, UploadedObject] = {}

    def add(self, key: str, uploader: str = "admin@example.nhs.net", version_id: str = "v1",
            validate_only: bool = False) -> UploadedObject:
        upload = UploadedObject(bucket=BUCKET, key=key, version_id=version_id, uploader=uploader,
                                validate_only=validate_only, file_name=key.rsplit("/", 1)[-1], size=10)
        self.objects[key] = upload
        return upload

    def describe(self, key: str, version_id: str | None) -> UploadedObject:
        return self.objects[key]


@dataclass
class FakeSendOnce:
    """adapters.ses.send_once: the first email per (job, kind) is sent, later ones are not."""

    sent: dict[str, OutgoingEmail] = field(default_factory=dict)

    def __call__(self, kind: str, email: OutgoingEmail) -> str:
        self.sent.setdefault(f"{email.job_id}#{kind}", email)
        return f"message-{email.job_id}-{kind}"

    def emails_of(self, job_id: str) -> list[OutgoingEmail]:
        return [email for key, email in self.sent.items() if key.startswith(f"{job_id}#")]


class FakeQueue:
    """OrganisationHolds in memory: all-or-nothing holds that expire, and the queue in upload order."""

    def __init__(self, hold_seconds: int = 3600) -> None:
        self.hold_seconds = hold_seconds
        self.now = NOW.timestamp()
        self.holds: dict[str, tuple[str, float]] = {}  # ods -> (holder, hold until)
        self.entries: dict[str, tuple[str, list[str]]] = {}  # job id -> (created_at, orgs)

    def try_take(self, job_id: str, orgs: list[str]) -> bool:
        if any(ods in self.holds and self.holds[ods][0] != job_id and self.holds[ods][1] >= self.now
               for ods in orgs):
            return False
        for ods in orgs:
            self.holds[ods] = (job_id, self.now + self.hold_seconds)
        return True

    def release(self, job_id: str, orgs: list[str]) -> None:
        for ods in orgs:
            if self.holds.get(ods, ("", 0.0))[0] == job_id:
                del self.holds[ods]

    def enqueue(self, job_id: str, created_at: str, orgs: list[str]) -> None:
        self.entries[job_id] = (created_at, sorted(set(orgs)))

    def dequeue(self, job_id: str, created_at: str) -> None:
        self.entries.pop(job_id, None)

    def waiting(self) -> list[QueuedJob]:
        return [QueuedJob(f"{created_at}#{job_id}", job_id, tuple(orgs))
                for job_id, (created_at, orgs) in sorted(self.entries.items(), key=lambda item: (item[1][0], item[0]))]

    def remove(self, entry: QueuedJob) -> None:
        self.entries.pop(entry.job_id, None)

    def queue_length(self) -> int:
        return len(self.entries)

    def holder(self, ods: str) -> str | None:
        return self.holds[ods][0] if ods in self.holds else None


class FakeExecutions:
    """Step Functions executions by job id."""

    def __init__(self) -> None:
        self.executions: dict[str, ExecutionStatus] = {}

    def status(self, job_id: str) -> ExecutionStatus | None:
        return self.executions.get(job_id)


@dataclass
class FakeFinisher:
    """NotifyStep.finish as it behaves: results, final state, one results email, holds released,
    queue dispatched. `broken` makes it raise, as a bug in finish would."""

    jobs: FakeJobs
    queue: FakeQueue
    send_once: FakeSendOnce
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
        self.send_once("upload-complete", OutgoingEmail("roster@example.nhs.net", job.uploader,
                                                        f"Upload complete: {job.file_name}", "", job_id=job_id))
        self.queue.release(job_id, job.orgs)
        dispatch_waiting(self.queue, self.start)
        return job
