"""Fixtures of the stand-in's contract tests: moto with every patch, tables from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

from roster_local import moto_patches
from roster_local.stack.embedded_stack import ACCOUNT_ID, PROJECT_ROOT, REGION
from roster_local.stack.template import load_template

TEMPLATE = load_template(PROJECT_ROOT / "template.yaml")
DIRECTORY = "directory"


class Moto:
    """A started mock with the patches applied, and the Directory table of template.yaml."""

    def __init__(self) -> None:
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.table = DIRECTORY
        create_table_from_template(self.dynamodb, "DirectoryTable", DIRECTORY)

    @property
    def backend(self) -> DynamoDBBackend:
        return dynamodb_backends[ACCOUNT_ID][REGION]

    def put(self, **values: str) -> None:
        self.dynamodb.put_item(TableName=self.table, Item={k: {"S": v} for k, v in values.items()})

    def keys(self) -> set[tuple[str, str]]:
        items = self.dynamodb.scan(TableName=self.table)["Items"]
        return {(i["pk"]["S"], i["sk"]["S"]) for i in items}


def create_table_from_template(dynamodb: Any, logical: str, name: str) -> None:
    """The table's keys and indexes exactly as template.yaml declares them."""
    props = TEMPLATE["Resources"][logical]["Properties"]
    dynamodb.create_table(TableName=name, **{key: props[key] for key in (
        "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes") if key in props})


@pytest.fixture
def moto_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        moto_patches.apply()
        yield Moto()
