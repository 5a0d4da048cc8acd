"""Length-limited text cells (docs/csv-format.md#current-format and #what-a-row-does)."""

from __future__ import annotations

import pytest

from roster.rules import InvalidCell
from roster.rules.lengths import display_name, job_title, unit_name


@pytest.mark.parametrize(
    ("rule", "limit"),
    [(display_name, 256), (job_title, 128), (unit_name, 256)],
)
def test_length_limits(rule, limit: int) -> None:  # type: ignore[no-untyped-def]
    assert rule("x" * limit, "Column") == "x" * limit
    with pytest.raises(InvalidCell) as caught:
        rule("x" * (limit + 1), "Column")
    assert f"{limit + 1} characters long; at most {limit}" in caught.value.message
