"""StartExecution deep-copies the state machine (moto.stepfunctions.parser.models), and through
its `executions` list the whole Step Functions backend with every earlier execution; once one
execution has run, the copy meets a lock and fails ("cannot pickle '_thread.RLock'"), so a
second upload could never start. The copy only needs the state machine's own settings: it
gets them without the executions."""

from __future__ import annotations

import copy
from typing import Any

from moto.stepfunctions.models import StateMachine


def apply() -> None:
    """Copy state machines without their executions (idempotent)."""
    StateMachine.__deepcopy__ = settings_copy  # type: ignore[attr-defined]


def settings_copy(self: StateMachine, memo: dict[int, Any]) -> StateMachine:
    """The state machine's settings and versions, with no executions."""
    clone = copy.copy(self)
    clone.executions = []
    clone.versions = dict(self.versions)
    return clone
