"""What every UploadIndex keeps (roster.ports.UploadIndex): uploads listed by uploader and by
organisation, newest first, each once, in pages. Run here on the fake, and on the DynamoDB
JobStore and UploadListing by tests/integration/test_port_contracts.py."""

from __future__ import annotations

import pytest

from roster.model.jobs import Job, organisation_listing, uploader_listing
from roster.ports import JobRecords, UploadIndex
from tests.unit.fakes import FakeJobs

ANN, BOB = "ann@nhs.net", "Bob@nhs.net"


@pytest.fixture
def upload_index() -> tuple[JobRecords, UploadIndex]:
    jobs = FakeJobs()
    return jobs, jobs


def _upload(jobs: JobRecords, job_id: str, uploader: str, second: int, orgs: list[str] | None = None) -> Job:
    created_at = f"2026-03-02T12:00:{second:02d}+00:00"
    job = Job(job_id=job_id, bucket="b", key=f"uploads/{uploader}/{job_id}/users.csv", file_name="users.csv",
              uploader=uploader, created_at=created_at, updated_at=created_at)
    jobs.create_if_absent(job)
    if orgs:
        jobs.update(job_id, orgs=orgs)  # validation names the organisations the rows touch
    return job


def test_given_uploads_of_two_administrators_then_each_lists_their_own_newest_first(upload_index) -> None:
    jobs, index = upload_index
    _upload(jobs, "aaaa", ANN, 1)
    _upload(jobs, "bbbb", BOB, 2)
    _upload(jobs, "cccc", ANN, 3)

    assert index.page([uploader_listing(ANN)], 10).job_ids == ["cccc", "aaaa"]
    assert index.page([uploader_listing("bob@nhs.net")], 10).job_ids == ["bbbb"]
    assert index.page([uploader_listing("nobody@nhs.net")], 10).job_ids == []


def test_given_uploads_listed_under_organisations_then_a_page_of_several_listings_has_each_once(
        upload_index) -> None:
    jobs, index = upload_index
    _upload(jobs, "aaaa", ANN, 1, ["RX1"])
    _upload(jobs, "bbbb", BOB, 2, ["RX1", "RY2"])
    _upload(jobs, "cccc", BOB, 3, ["RY2"])

    page = index.page([uploader_listing(ANN), organisation_listing("RX1")], 10)

    assert page.job_ids == ["bbbb", "aaaa"] and page.next_before is None
    assert index.page([organisation_listing("RY2")], 10).job_ids == ["cccc", "bbbb"]


def test_given_more_uploads_than_a_page_then_the_next_page_starts_below_the_last(upload_index) -> None:
    jobs, index = upload_index
    for second, job_id in enumerate(["aaaa", "bbbb", "cccc"]):
        _upload(jobs, job_id, ANN, second)

    first = index.page([uploader_listing(ANN)], 2)
    second = index.page([uploader_listing(ANN)], 2, first.next_before)

    assert first.job_ids == ["cccc", "bbbb"] and first.next_before is not None
    assert second.job_ids == ["aaaa"] and second.next_before is None


def test_given_job_ids_then_their_records_come_back_in_that_order_without_the_missing(upload_index) -> None:
    jobs, index = upload_index
    _upload(jobs, "aaaa", ANN, 1)
    _upload(jobs, "bbbb", BOB, 2)

    assert [job.job_id for job in index.jobs(["bbbb", "nope", "aaaa"])] == ["bbbb", "aaaa"]
    assert index.jobs([]) == []
