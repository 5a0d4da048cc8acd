"""Production wiring of the operations functions: the dead-letter consumer and the sweeper.

Built from the deployment's settings and the shared clients, like roster.wiring; tests build
DeadLetters and Sweeper with their own stores instead."""

from __future__ import annotations

from roster import wiring
from roster.adapters.clients import client
from roster.adapters.executions import CreatePhaseExecutions
from roster.adapters.open_jobs import OpenJobs
from roster.adapters.ses import send_once
from roster.dead_letter.step import DeadLetters
from roster.notify.failure_notice import UploadFailureNotice
from roster.queue.dispatch import start_create_phase
from roster.settings import get_settings
from roster.sweep.step import SweepDeadlines, Sweeper


def open_jobs() -> OpenJobs:
    return OpenJobs(client("dynamodb"), get_settings().jobs_table)


def upload_failure_notice() -> UploadFailureNotice:
    return UploadFailureNotice(get_settings().sender_email, send_once)


def dead_letters() -> DeadLetters:
    """The dead-letter consumer as deployed."""
    return DeadLetters(wiring.job_store(), open_jobs(), wiring.upload_store(), upload_failure_notice())


def sweeper() -> Sweeper:
    """The sweeper as deployed: notify's own finish ends the stuck create phases."""
    settings = get_settings()
    jobs = wiring.job_store()
    return Sweeper(
        deadlines=SweepDeadlines.from_settings(settings),
        open_jobs=open_jobs(),
        jobs=jobs,
        queue=wiring.organisation_holds(),
        executions=CreatePhaseExecutions(client("stepfunctions"), settings.state_machine_arn),
        finisher=wiring.notify_step(),
        notice=upload_failure_notice(),
        start_create_phase=lambda job_id: start_create_phase(jobs, wiring.workflow(), job_id),
        expire_waiting_approvals=wiring.approval_step().expire_waiting_approvals,
    )
