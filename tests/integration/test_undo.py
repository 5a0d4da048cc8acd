"""Undo on the embedded stack (docs/approval-and-plan.md#undo): the real API desk, validate,
apply, create and notify functions, the queue, the approval rule and the record of changes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from roster import wiring
from roster.adapters.dynamodb import to_item
from roster.adapters.upload_keys import upload_key
from roster.api.access import Caller
from roster.api.errors import Conflict, Forbidden
from roster.contract.results_file import parse_results_csv
from roster.model.directory import Account
from roster.model.uploads import Upload
from roster.settings import get_settings
from tests.conftest import ADMIN, APPROVER, EXAMPLES, current_csv

pytestmark = pytest.mark.integration
PRACTICE = "practice.manager@example.nhs.net"  # administers Y0301 only


def _caller(harness: Any, email: str = ADMIN) -> Caller:
    return Caller(email, harness.directory.administered(email))


def _wait(harness: Any, upload_id: str, states: set[str], timeout: float = 120) -> Upload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = harness.uploads.get(upload_id)
        if upload.state.value in states:
            return upload
        time.sleep(0.2)
    raise AssertionError(f"upload {upload_id} is still {harness.uploads.get(upload_id).state.value}")


def _undo(harness: Any, upload_id: str, email: str = ADMIN) -> Upload:
    """Ask for the undo and wait for its validation."""
    undo, _ = wiring.front_door().undo.undo(_caller(harness, email), upload_id)  # type: ignore[union-attr]
    return _wait(harness, undo.upload_id, {"VALIDATED", "INVALID"})


def _apply(harness: Any, upload: Upload, email: str = ADMIN) -> Upload:
    wiring.front_door().uploads.apply(_caller(harness, email), upload.upload_id)
    return _wait(harness, upload.upload_id, {"COMPLETED", "FAILED", "AWAITING_APPROVAL"})


def _plan(harness: Any, upload: Upload) -> list[tuple[str, str, str, str]]:
    text = wiring.front_door().uploads.plan(_caller(harness, upload.uploader), upload.upload_id).text
    rows = [line.split(",") for line in text.lstrip("\ufeff").splitlines()[1:]]
    return [(r[1], r[2], r[3], r[5]) for r in rows]


def _results(harness: Any, upload: Upload) -> list[dict[str, str]]:
    text = wiring.front_door().uploads.results(_caller(harness, upload.uploader), upload.upload_id).text
    return parse_results_csv(text)


def _accounts(harness: Any) -> dict[str, Account]:
    return {a.email: a for a in harness.directory.all_accounts()}


def test_undo_of_a_create_upload_makes_its_accounts_leavers_and_keeps_their_addresses(harness):
    before = _accounts(harness)
    (created,) = harness.upload(EXAMPLES / "users.csv")
    new = set(_accounts(harness)) - set(before)

    undo = _undo(harness, created.upload.upload_id)
    assert undo.undo_of == created.upload.upload_id and undo.state.value == "VALIDATED"
    assert {action for action, *_ in _plan(harness, undo)} == {"Leaver"}
    assert {a.status.value for e, a in _accounts(harness).items() if e in new} == {"active"}, "applied before apply"
    done = _apply(harness, undo)

    after = _accounts(harness)
    assert done.state.value == "COMPLETED" and done.counts["leavers"] == 20
    assert {after[e].status.value for e in new} == {"leaver"}
    assert {e: a for e, a in after.items() if e in before} == before
    assert all(r["Result"] == "Leaver" and r["Message"].startswith("Undone: created by upload") for r in
               _results(harness, done))
    (again,) = harness.upload(harness.write("again.csv", "Title,First Name,Last Name,Display Name,Job Title,"
                                            "Organisation ODSCode,Organisational Unit,Business Phone,Mobile Phone,"
                                            "Mailbox Size,Password,Email Address,Status\r\n,Zara,Quinn,,,RX1,,,,,,,\r\n"))
    assert again.upload.state.value == "COMPLETED"


def test_undo_of_an_update_a_leaver_and_a_joiner_restores_each_account_exactly_and_can_itself_be_undone(harness):
    before = _accounts(harness)
    (updates,) = harness.upload(EXAMPLES / "updates.csv")
    applied = _accounts(harness)
    assert updates.upload.counts["updated"] == updates.upload.counts["leavers"] == updates.upload.counts["joiners"] == 1

    undo = _apply(harness, _undo(harness, updates.upload.upload_id))
    plan_actions = {action for action, *_ in _plan(harness, undo)}

    restored = _accounts(harness)
    assert plan_actions == {"Update", "Joiner", "Leaver"}
    for email in ("amir.khan@nhs.net", "sarah.oconnor@nhs.net", "tom.baker@nhs.net", "lucy.gray@nhs.net"):
        assert restored[email] == before[email], email
    assert restored["daniel.clarke@nhs.net"].status.value == "leaver"
    assert {r["Result"] for r in _results(harness, undo)} == {"Updated", "Joiner", "Leaver"}

    redo = _apply(harness, _undo(harness, undo.upload_id))
    again = _accounts(harness)
    assert redo.state.value == "COMPLETED"
    for email in ("amir.khan@nhs.net", "sarah.oconnor@nhs.net", "tom.baker@nhs.net", "daniel.clarke@nhs.net"):
        assert again[email] == applied[email], email


def test_an_account_changed_since_is_left_alone_and_the_undo_says_what_changed_it_and_when(harness):
    (created,) = harness.upload(EXAMPLES / "users.csv")
    target = _results(harness, created.upload)[0]["Assigned Email"]
    (later,) = harness.upload(harness.write("later.csv", current_csv(f",,,,Head of Pharmacy,,,,,,,{target},")))
    assert later.upload.counts["updated"] == 1

    undo = _undo(harness, created.upload.upload_id)
    plan = _plan(harness, undo)
    done = _apply(harness, undo)

    assert ("Unchanged", target, "", "") in plan and plan.count(("Unchanged", target, "", "")) == 1
    kept = _accounts(harness)[target]
    assert kept.status.value == "active" and kept.job_title == "Head of Pharmacy"
    (row,) = [r for r in _results(harness, done) if r["Email Address"] == target]
    assert row["Result"] == "Unchanged"
    assert f"updated (Job Title) by upload {later.upload.upload_id} ({ADMIN}) on " in row["Message"]
    assert done.counts["leavers"] == 19 and done.counts["unchanged"] == 1


def test_a_later_change_to_another_field_also_leaves_the_account_alone(harness):
    (updates,) = harness.upload(EXAMPLES / "updates.csv")
    (later,) = harness.upload(harness.write("unit.csv", current_csv(",,,,,,Cardiology,,,,,amir.khan@nhs.net,")))
    assert later.upload.counts["updated"] == 1

    undo = _undo(harness, updates.upload.upload_id)

    plan = _plan(harness, undo)
    assert ("Unchanged", "amir.khan@nhs.net", "", "") in plan
    assert {action for action, email, *_ in plan if email != "amir.khan@nhs.net"} == {"Joiner", "Leaver"}


def test_undo_twice_is_the_same_undo_upload(harness):
    (created,) = harness.upload(EXAMPLES / "users.csv")
    desk = wiring.front_door().undo
    assert desk is not None

    first, made = desk.undo(_caller(harness), created.upload.upload_id)
    second, made_again = desk.undo(_caller(harness), created.upload.upload_id)

    assert (made, made_again) == (True, False) and first.upload_id == second.upload_id


def test_undo_is_refused_before_apply_past_the_window_and_to_another_organisations_administrator(harness):
    (checked,) = harness.upload(EXAMPLES / "users.csv", validate_only=True)
    desk = wiring.front_door().undo
    assert desk is not None
    with pytest.raises(Conflict, match="only an applied upload"):
        desk.undo(_caller(harness), checked.upload.upload_id)

    (rx1_only,) = harness.upload(harness.write("rx1.csv", current_csv(",Ava,Stone,,,RX1,,,,,,,")))
    with pytest.raises(Forbidden):
        desk.undo(_caller(harness, APPROVER), rx1_only.upload.upload_id)

    old = (datetime.now(UTC) - timedelta(days=31)).replace(microsecond=0).isoformat()
    harness.stack.client("dynamodb").update_item(
        TableName=get_settings().jobs_table, Key=to_item(upload_key(rx1_only.upload.upload_id)),
        UpdateExpression="SET updated_at = :old", ExpressionAttributeValues=to_item({":old": old}))
    with pytest.raises(Conflict, match="more than 30 days ago"):
        desk.undo(_caller(harness), rx1_only.upload.upload_id)


def test_an_administrator_of_every_organisation_an_upload_changed_may_undo_it(harness):
    (y0301,) = harness.upload(harness.write("y.csv", current_csv(",Ava,Stone,,,Y0301,,,,,,,")))

    undo = _apply(harness, _undo(harness, y0301.upload.upload_id, PRACTICE), PRACTICE)

    assert undo.uploader == PRACTICE and undo.state.value == "COMPLETED" and undo.counts["leavers"] == 1


def test_an_undo_of_thirty_leavers_waits_for_approval(approval_harness):
    rows = [f",Ann{chr(97 + n // 26)}{chr(97 + n % 26)},Undone,,,RX1,,,,,,," for n in range(30)]
    (created,) = approval_harness.upload(approval_harness.write("thirty.csv", current_csv(*rows)))

    waiting = _apply(approval_harness, _undo(approval_harness, created.upload.upload_id))
    assert waiting.state.value == "AWAITING_APPROVAL"
    assert {a.status.value for a in _accounts(approval_harness).values() if a.last_name == "Undone"} == {"active"}


@pytest.mark.parametrize("chaos_harness", [
    ("create:before:0.3,create:after:0.5,validate:after:0.5,notify:after:0.5,events:after:0.5", 7),
], indirect=True, ids=["faults-everywhere"])
def test_a_chaos_run_of_an_undo_ends_like_one_without_chaos(chaos_harness):
    before = _accounts(chaos_harness)
    (updates,) = chaos_harness.upload(EXAMPLES / "updates.csv")

    undo = _apply(chaos_harness, _undo(chaos_harness, updates.upload.upload_id))

    assert chaos_harness.stack.lambdas.stats.injected
    restored = _accounts(chaos_harness)
    assert undo.state.value == "COMPLETED"
    assert {k: v for k, v in undo.counts.items() if k not in ("warnings",)} == {
        "rows": 4, "created": 0, "updated": 1, "leavers": 2, "joiners": 1, "unchanged": 0, "failed": 0, "errors": 0}
    for email in ("amir.khan@nhs.net", "sarah.oconnor@nhs.net", "tom.baker@nhs.net", "lucy.gray@nhs.net"):
        assert restored[email] == before[email], email
