"""The fakes the unit tests use keep the same contracts as the AWS adapters: the unit
contract tests of JobRecords, Transactions, Directory and UploadFiles run here again on the
real adapters, on the embedded stack (tables and bucket created from template.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from roster.adapters.change_log import ChangeLog
from roster.adapters.directory_store import DirectoryStore
from roster.adapters.job_store import JobStore
from roster.adapters.transactions import DynamoDBTransactions
from roster.adapters.upload_store import UploadStore
from roster.ports import JobRecords, Transactions, UploadFiles
from roster.settings import get_settings
from roster_local.stack.embedded_stack import EmbeddedStack
from tests.integration.conftest import TEST_PARAMETERS
from tests.unit.test_change_records import (
    test_given_a_record_when_committed_twice_then_the_second_is_refused_and_it_reads_back,  # noqa: F401
)
from tests.unit.test_directory_reads import (
    Loaded,
    test_given_accounts_then_only_active_ones_are_counted_per_organisation,  # noqa: F401
    test_given_administrators_then_each_organisation_lists_its_own,  # noqa: F401
)
from tests.unit.test_job_records import *  # noqa: F403 - the same tests, on the fixtures below
from tests.unit.test_transactions import (
    LEEDS,
    Store,
    test_given_a_taken_address_when_committed_then_the_refused_writes_are_named_and_nothing_is_written,  # noqa: F401
    test_given_accounts_with_and_without_a_stored_password_then_its_hash_is_read_back,  # noqa: F401
    test_given_an_account_as_planned_when_updated_then_sets_and_removes_apply,  # noqa: F401
    test_given_an_account_no_longer_as_planned_when_updated_then_the_update_is_refused,  # noqa: F401
    test_given_free_writes_when_committed_then_all_are_readable,  # noqa: F401
    test_given_reserved_numbers_then_taken_suffixes_lists_them,  # noqa: F401
)
from tests.unit.test_upload_files import (
    test_given_an_empty_object_when_read_with_a_limit_then_its_bytes_are_none,  # noqa: F401
    test_given_an_object_when_read_with_a_limit_then_at_most_one_byte_more_comes_back,  # noqa: F401
)

pytestmark = pytest.mark.integration


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
def job_records(dynamodb: Any) -> tuple[JobRecords, Transactions]:
    settings = get_settings()
    jobs = JobStore(dynamodb, settings.jobs_table)
    return jobs, DynamoDBTransactions(dynamodb, settings.directory_table, settings.jobs_table)


@pytest.fixture
def store(dynamodb: Any) -> Store:
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


@pytest.fixture
def files(stack: EmbeddedStack) -> UploadFiles:
    return UploadStore(stack.client("s3"), get_settings().bucket)


@pytest.fixture
def loaded(dynamodb: Any) -> Loaded:
    directory = DirectoryStore(dynamodb, get_settings().directory_table)
    return Loaded(directory, directory.put_organisation, directory.put_admin, directory.put_existing_account)
