"""Every fake the unit tests use keeps the same contract as its production adapter: the contract
tests of tests/unit/ports/ run here twice each, side by side, once on the fake ([fake]) and once
on the adapter on the embedded stack ([aws]: tables, bucket and key created from template.yaml,
on moto). Each test states exact values, so a fake that drifts from its adapter fails one of
the pair.

  UploadRecords           FakeUploads          UploadStore                   test_upload_records
  OpenUploadRecords       FakeUploads          UploadStore + OpenUploads        test_open_uploads
  UploadIndex          FakeUploads          UploadStore + UploadListing   test_upload_index
  Transactions         FakeTransactions  DynamoDBTransactions       test_transactions, test_upload_records
  Directory            FakeDirectory     DirectoryStore             test_directory, test_transactions
  OrganisationQueue    FakeQueue         OrganisationHolds          test_organisation_queue, queue/test_dispatch
  UploadFiles          FakeFiles         FileStore                test_upload_files
  KeyService           FakeKms           the boto3 KMS client       test_key_service"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from roster.adapters.change_log import ChangeLog
from roster.adapters.directory_store import DirectoryStore
from roster.adapters.file_store import FileStore
from roster.adapters.holds import OrganisationHolds
from roster.adapters.open_uploads import OpenUploads
from roster.adapters.transactions import DynamoDBTransactions
from roster.adapters.upload_listing import UploadListing
from roster.adapters.upload_store import UploadStore
from roster.ports import KeyService, OpenUploadRecords, Transactions, UploadFiles, UploadIndex, UploadRecords
from roster.settings import get_settings
from roster_local.stack.embedded_stack import EmbeddedStack
from tests.integration.conftest import TEST_PARAMETERS
from tests.unit.audit.test_records import (  # noqa: F401 - on the fixtures below
    test_given_a_record_when_committed_twice_then_the_second_is_refused_and_it_reads_back,
)
from tests.unit.fakes import FakeDirectory, FakeFiles, FakeKms, FakeQueue, FakeTransactions, FakeUploads
from tests.unit.ports.test_directory import *  # noqa: F403 - the same tests, on the fixtures below
from tests.unit.ports.test_directory import Loaded
from tests.unit.ports.test_key_service import *  # noqa: F403
from tests.unit.ports.test_open_uploads import *  # noqa: F403
from tests.unit.ports.test_organisation_queue import *  # noqa: F403
from tests.unit.ports.test_transactions import *  # noqa: F403
from tests.unit.ports.test_transactions import LEEDS, Store
from tests.unit.ports.test_upload_files import *  # noqa: F403
from tests.unit.ports.test_upload_files import Upload
from tests.unit.ports.test_upload_index import *  # noqa: F403
from tests.unit.ports.test_upload_records import *  # noqa: F403

pytestmark = pytest.mark.integration
BOTH = ["fake", "aws"]


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack(parameters=TEST_PARAMETERS) as embedded:
        yield embedded


@pytest.fixture
def dynamodb(stack: EmbeddedStack) -> Any:
    """The stack's DynamoDB, with both tables emptied before each test."""
    client = stack.client("dynamodb")
    settings = get_settings()
    for table in (settings.jobs_table, settings.directory_table, settings.changes_table):
        for page in client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
            for key in page["Items"]:
                client.delete_item(TableName=table, Key=key)
    return client


@pytest.fixture
def s3(stack: EmbeddedStack) -> Any:
    """The stack's S3, with the upload bucket emptied (every version) before each test."""
    client = stack.client("s3")
    bucket = get_settings().bucket
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            client.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    return client


def _on_aws(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "aws")


# -- the Jobs table ---------------------------------------------------------------------------

@pytest.fixture(params=BOTH)
def upload_records(request: pytest.FixtureRequest) -> tuple[UploadRecords, Transactions]:
    if not _on_aws(request):
        uploads = FakeUploads()
        return uploads, FakeTransactions(FakeDirectory(), uploads)
    dynamodb = request.getfixturevalue("dynamodb")  # starts the stack, whose settings these are
    settings = get_settings()
    return UploadStore(dynamodb, settings.jobs_table), DynamoDBTransactions(dynamodb, settings.directory_table,
                                                                          settings.jobs_table)


@pytest.fixture(params=BOTH)
def open_uploads(request: pytest.FixtureRequest) -> tuple[UploadRecords, OpenUploadRecords]:
    if not _on_aws(request):
        fake = FakeUploads()
        return fake, fake
    dynamodb, table = request.getfixturevalue("dynamodb"), get_settings().jobs_table
    return UploadStore(dynamodb, table), OpenUploads(dynamodb, table)


@pytest.fixture(params=BOTH)
def upload_index(request: pytest.FixtureRequest) -> tuple[UploadRecords, UploadIndex]:
    if not _on_aws(request):
        fake = FakeUploads()
        return fake, fake
    dynamodb, table = request.getfixturevalue("dynamodb"), get_settings().jobs_table
    return UploadStore(dynamodb, table), UploadListing(dynamodb, table)


class HoldsUnderTest(OrganisationHolds):
    """OrganisationHolds read and moved as the tests read and move FakeQueue: `now` is its clock,
    `holder` names the upload that holds an organisation."""

    def __init__(self, dynamodb: Any, table: str, hold_seconds: int) -> None:
        self.now = 1_000_000.0
        super().__init__(dynamodb, table, hold_seconds, clock=lambda: self.now)

    def holder(self, ods: str) -> str | None:  # type: ignore[override]
        item = super().holder(ods)
        return None if item is None else str(item["holder"])


@pytest.fixture(params=BOTH)
def queue(request: pytest.FixtureRequest) -> FakeQueue | HoldsUnderTest:
    if not _on_aws(request):
        return FakeQueue(hold_seconds=60)
    return HoldsUnderTest(request.getfixturevalue("dynamodb"), get_settings().jobs_table, hold_seconds=60)


# -- the Directory table ------------------------------------------------------------------------

@pytest.fixture(params=BOTH)
def store(request: pytest.FixtureRequest) -> Store:
    if not _on_aws(request):
        fake = FakeDirectory()
        fake.add_organisation(LEEDS)
        return Store(FakeTransactions(fake, FakeUploads()), fake, fake.add_account)
    dynamodb = request.getfixturevalue("dynamodb")
    settings = get_settings()
    directory = DirectoryStore(dynamodb, settings.directory_table)
    directory.put_organisation(LEEDS)
    return Store(DynamoDBTransactions(dynamodb, settings.directory_table, settings.jobs_table), directory,
                 directory.put_existing_account)


@pytest.fixture
def change_store(dynamodb: Any) -> tuple[Transactions, ChangeLog]:
    settings = get_settings()
    return (DynamoDBTransactions(dynamodb, settings.directory_table, settings.jobs_table, settings.changes_table),
            ChangeLog(dynamodb, settings.changes_table))


@pytest.fixture(params=BOTH)
def loaded(request: pytest.FixtureRequest) -> Loaded:
    if not _on_aws(request):
        fake = FakeDirectory()
        return Loaded(fake, fake.add_organisation, fake.add_admin, fake.add_account)
    directory = DirectoryStore(request.getfixturevalue("dynamodb"), get_settings().directory_table)
    return Loaded(directory, directory.put_organisation, directory.put_admin, directory.put_existing_account)


# -- the bucket and the key ------------------------------------------------------------------------

@pytest.fixture(params=BOTH)
def files(request: pytest.FixtureRequest) -> UploadFiles:
    if not _on_aws(request):
        return FakeFiles()
    # Links are signed at the fake's moment, so that both say the same expiry.
    return FileStore(request.getfixturevalue("s3"), get_settings().bucket, clock=lambda: FakeFiles.now)


@pytest.fixture
def upload(files: UploadFiles) -> Upload:
    """Put a file with the metadata the presigned form fixes (FileStore.presigned_upload)."""
    if isinstance(files, FakeFiles):
        return lambda key, body, uploader, validate_only: files.add(key, body, uploader, validate_only)
    store: FileStore = files  # type: ignore[assignment]

    def put(key: str, body: bytes, uploader: str, validate_only: bool) -> str:
        metadata = {"uploader": uploader.lower(), "validate-only": str(validate_only).lower(),
                    "file-name": key.rsplit("/", 1)[-1]}
        return str(store.s3.put_object(Bucket=store.bucket, Key=key, Body=body, Metadata=metadata)["VersionId"])

    return put


@pytest.fixture(params=BOTH)
def kms(request: pytest.FixtureRequest) -> KeyService:
    if not _on_aws(request):
        return FakeKms()
    return request.getfixturevalue("stack").client("kms")  # type: ignore[no-any-return]


@pytest.fixture
def key_id(kms: KeyService) -> str:
    return "alias/roster" if isinstance(kms, FakeKms) else get_settings().kms_key_id
