"""What one undo row does (docs/approval-and-plan.md#undo): the reverse of one recorded change.

Built at validation from the record of the change it reverses (roster.undo.reversals), carried
in the batch row, and applied by the create phase only while the account still has every value
the original change left (`expect`): an account changed by anything since is left as it is."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from roster.model.rows import RowResult


class Reversal(BaseModel):
    """The stored values an undo row expects, and those it sets and removes."""

    model_config = ConfigDict(frozen=True)

    upload_id: str  # the upload whose change this reverses
    line: int  # that upload's line
    at: str  # when that change was applied
    result: RowResult  # what applying it reports: Leaver, Updated or Joiner
    expect: dict[str, Any]  # stored attribute -> the value the original change left (None: absent)
    sets: dict[str, Any]
    removes: tuple[str, ...] = ()
    stamp_leaver: bool = False  # also set leaver_at to when the undo is applied (an undone Create)
