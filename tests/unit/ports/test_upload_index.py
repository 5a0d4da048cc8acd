"""What every UploadIndex keeps (roster.ports.UploadIndex): uploads listed by uploader and by
organisation, newest first, each once, in pages. Run here on the fake, and on the DynamoDB
UploadStore and UploadListing by tests/integration/test_port_contracts.py."""

from __future__ import annotations

import pytest

from roster.model.uploads import Upload, organisation_listing, uploader_listing
from roster.ports import UploadIndex, UploadRecords
from tests.unit.fakes import FakeUploads

ANN, BOB = "ann@nhs.net", "Bob@nhs.net"


@pytest.fixture
def upload_index() -> tuple[UploadRecords, UploadIndex]:
    uploads = FakeUploads()
    return uploads, uploads


def _upload(uploads: UploadRecords, upload_id: str, uploader: str, second: int, orgs: list[str] | None = None) -> Upload:
    created_at = f"2026-03-02T12:00:{second:02d}+00:00"
    upload = Upload(upload_id=upload_id, bucket="b", key=f"uploads/{uploader}/{upload_id}/users.csv", file_name="users.csv",
                    uploader=uploader, created_at=created_at, updated_at=created_at)
    uploads.create_if_absent(upload)
    if orgs:
        uploads.update(upload_id, orgs=orgs)  # validation names the organisations the rows touch
    return upload


def test_given_uploads_of_two_administrators_then_each_lists_their_own_newest_first(upload_index) -> None:
    uploads, index = upload_index
    _upload(uploads, "aaaa", ANN, 1)
    _upload(uploads, "bbbb", BOB, 2)
    _upload(uploads, "cccc", ANN, 3)

    assert index.page([uploader_listing(ANN)], 10).upload_ids == ["cccc", "aaaa"]
    assert index.page([uploader_listing("bob@nhs.net")], 10).upload_ids == ["bbbb"]
    assert index.page([uploader_listing("nobody@nhs.net")], 10).upload_ids == []


def test_given_uploads_listed_under_organisations_then_a_page_of_several_listings_has_each_once(
        upload_index) -> None:
    uploads, index = upload_index
    _upload(uploads, "aaaa", ANN, 1, ["RX1"])
    _upload(uploads, "bbbb", BOB, 2, ["RX1", "RY2"])
    _upload(uploads, "cccc", BOB, 3, ["RY2"])

    page = index.page([uploader_listing(ANN), organisation_listing("RX1")], 10)

    assert page.upload_ids == ["bbbb", "aaaa"] and page.next_before is None
    assert index.page([organisation_listing("RY2")], 10).upload_ids == ["cccc", "bbbb"]


def test_given_more_uploads_than_a_page_then_the_next_page_starts_below_the_last(upload_index) -> None:
    uploads, index = upload_index
    for second, upload_id in enumerate(["aaaa", "bbbb", "cccc"]):
        _upload(uploads, upload_id, ANN, second)

    first = index.page([uploader_listing(ANN)], 2)
    second = index.page([uploader_listing(ANN)], 2, first.next_before)

    assert first.upload_ids == ["cccc", "bbbb"] and first.next_before is not None
    assert second.upload_ids == ["aaaa"] and second.next_before is None


def test_given_upload_ids_then_their_records_come_back_in_that_order_without_the_missing(upload_index) -> None:
    uploads, index = upload_index
    _upload(uploads, "aaaa", ANN, 1)
    _upload(uploads, "bbbb", BOB, 2)

    assert [upload.upload_id for upload in index.uploads(["bbbb", "nope", "aaaa"])] == ["bbbb", "aaaa"]
    assert index.uploads([]) == []
