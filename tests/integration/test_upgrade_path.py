"""A stack created before the Jobs table's gsi2 and open-jobs indexes reaches the current template
(docs/deploy.md, "Upgrading"): CloudFormation adds one index per update, so in two updates,
replayed here on the embedded stack, after which the whole pipeline runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from roster.model.uploads import UploadState
from roster_local.stack.embedded_stack import EmbeddedStack
from roster_local.stack.table_updates import UpdateRefused, update_indexes
from tests.conftest import EXAMPLES
from tests.integration.conftest import TEST_PARAMETERS, Harness


def _indexes(stack: EmbeddedStack) -> set[str]:
    table = stack.client("dynamodb").describe_table(TableName=stack._ref("JobsTable"))["Table"]
    return {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}


def test_a_stack_without_either_index_is_upgraded_in_two_updates_then_runs(tmp_path: Path) -> None:
    with EmbeddedStack(parameters={**TEST_PARAMETERS, "JobsTableIndexes": "1"}) as stack:
        assert _indexes(stack) == {"gsi1"}

        with pytest.raises(UpdateRefused, match="one global secondary index of a table per stack update"):
            update_indexes(stack, "JobsTable", {"JobsTableIndexes": "3"})
        assert _indexes(stack) == {"gsi1"}  # refused: nothing changed, as a rolled-back update

        assert update_indexes(stack, "JobsTable", {"JobsTableIndexes": "2"}) == ["gsi2"]
        assert update_indexes(stack, "JobsTable", {"JobsTableIndexes": "3"}) == ["open-jobs"]
        assert _indexes(stack) == {"gsi1", "gsi2", "open-jobs"}

        (result,) = Harness(stack, tmp_path).upload(EXAMPLES / "users.csv")
        assert result.upload.state is UploadState.COMPLETED


def test_the_template_default_is_every_index() -> None:
    with EmbeddedStack(parameters=TEST_PARAMETERS) as stack:
        assert _indexes(stack) == {"gsi1", "gsi2", "open-jobs"}
        assert update_indexes(stack, "JobsTable", {}) == []  # an update that changes no index
