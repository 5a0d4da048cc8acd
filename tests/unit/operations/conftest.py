"""The dead-letter consumer and the sweeper wired to in-memory fakes (fakes.py), built once here."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from roster.dead_letter.step import DeadLetters
from roster.model.jobs import ExecutionStatus, JobState
from roster.notify.failure_notice import UploadFailureNotice
from roster.sweep.step import SweepDeadlines, Sweeper
from tests.unit.operations.fakes import (
    NOW,
    FakeExecutions,
    FakeFinisher,
    FakeJobs,
    FakeQueue,
    FakeSendOnce,
    FakeUploads,
)

DEADLINES = SweepDeadlines(stuck_job_minutes=30, validation_timeout_minutes=90, queue_timeout_minutes=1440,
                           hold_seconds=3600)


@pytest.fixture
def jobs() -> FakeJobs:
    return FakeJobs()


@pytest.fixture
def uploads() -> FakeUploads:
    return FakeUploads()


@pytest.fixture
def send_once() -> FakeSendOnce:
    return FakeSendOnce()


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue(hold_seconds=DEADLINES.hold_seconds)


@pytest.fixture
def executions() -> FakeExecutions:
    return FakeExecutions()


@pytest.fixture
def start(jobs: FakeJobs, executions: FakeExecutions) -> Callable[[str], None]:
    """start_create_phase: the job becomes CREATING and its execution runs."""

    def start_create_phase(job_id: str) -> None:
        jobs.set_state(job_id, JobState.CREATING)
        executions.executions[job_id] = ExecutionStatus("RUNNING")

    return start_create_phase


@pytest.fixture
def finisher(jobs: FakeJobs, queue: FakeQueue, send_once: FakeSendOnce,
             start: Callable[[str], None]) -> FakeFinisher:
    return FakeFinisher(jobs, queue, send_once, start)


@pytest.fixture
def notice(send_once: FakeSendOnce) -> UploadFailureNotice:
    return UploadFailureNotice("roster@example.nhs.net", send_once)


@pytest.fixture
def sweeper(jobs: FakeJobs, queue: FakeQueue, executions: FakeExecutions, finisher: FakeFinisher,
            notice: UploadFailureNotice, start: Callable[[str], None]) -> Sweeper:
    return Sweeper(deadlines=DEADLINES, open_jobs=jobs, jobs=jobs, queue=queue, executions=executions,
                   finisher=finisher, notice=notice, start_create_phase=start, clock=lambda: NOW)


@pytest.fixture
def dead_letters(jobs: FakeJobs, uploads: FakeUploads, notice: UploadFailureNotice) -> DeadLetters:
    return DeadLetters(jobs=jobs, transitions=jobs, uploads=uploads, notice=notice)
