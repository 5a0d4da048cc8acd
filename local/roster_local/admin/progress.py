"""Waiting for an upload (`roster upload --wait`, `roster apply --wait`): a progress bar of rows
validated and rows applied, with the rate and the time left, until a final state."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

from roster_local.admin.api_client import RosterApi
from roster_local.admin.session import CommandFailed

POLL_SECONDS = 1.0
_VALIDATED = ("VALIDATED", "QUEUED", "CREATING", "COMPLETED", "FAILED", "AWAITING_APPROVAL", "INVALID")


class RateColumn(ProgressColumn):
    """Rows per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


def wait_for(api: RosterApi, upload_id: str, timeout: float, console: Console,
             show: bool = True, clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Poll the upload until a stopping state and return it; CommandFailed after `timeout` seconds."""
    deadline = clock() + timeout
    columns = (TextColumn("{task.description:>15}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not show, transient=False) as progress:
        validated = progress.add_task("rows validated", total=None)
        applied = progress.add_task("rows applied", total=None, visible=False)
        while True:
            upload = api.get_json(f"/uploads/{upload_id}")
            _show(progress, validated, applied, upload)
            if upload["final"] or upload["state"] == "AWAITING_APPROVAL":  # or where a person must act
                return upload
            if clock() > deadline:
                raise CommandFailed(f"upload {upload_id} is still {upload['state']} after {timeout:.0f} s; "
                                    f"`roster status {upload_id}` shows it later")
            time.sleep(POLL_SECONDS)


def _show(progress: Progress, validated: Any, applied: Any, upload: dict[str, Any]) -> None:
    rows = int(upload["progress"]["rows"] or 0)
    state = upload["state"]
    if state in _VALIDATED:
        progress.update(validated, total=rows or 1, completed=rows or 1)
    if state in ("QUEUED", "CREATING", "COMPLETED", "FAILED") and not upload["validate_only"]:
        progress.update(applied, total=rows or 1, completed=int(upload["progress"]["applied"]), visible=True)
