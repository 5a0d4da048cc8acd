"""Large retirements wait for a second administrator (docs/approval-and-plan.md#approval), on in-memory fakes:
which uploads wait, who may approve or cancel them, re-validation once approved, expiry,
and exactly one create phase and one email whatever is repeated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roster.approval.policy import ApprovalRefused
from roster.approval.step import ApprovalStep, may_approve, may_cancel
from roster.contract.plan_file import PlanLine, parse_plan_csv
from roster.errors import NotAwaitingApproval
from roster.model.directory import Account, AccountStatus
from roster.model.uploads import Upload, UploadState
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, LEEDS, SARAH, TOM, YORK, Roster, settings

SECOND = "second.admin@nhs.net"  # administers Leeds (RX1) with ADMIN
STRANGER = "stranger@nhs.net"  # administers another organisation
SARAH_LEAVES = current_csv(",,,,,,,,,,,sarah.oconnor@nhs.net,leaver")


@pytest.fixture
def world(roster: Roster) -> Roster:
    """The unit fixture with the deployed policy (25 leavers or 10%) and a second Leeds administrator."""
    roster.settings = settings(leaver_approval_threshold=25, leaver_approval_percent=10)
    roster.directory.add_admin(SECOND, {"RX1"})
    roster.directory.add_admin(STRANGER, {"Y0301"})
    return roster


def _step(world: Roster) -> ApprovalStep:
    return ApprovalStep(world.settings, world.uploads, world.files, world.mailer, world.validate_step().apply,
                        world.directory)


def _add_active(world: Roster, ods: str, count: int) -> None:
    domain = {"RX1": LEEDS.domain, "RY2": YORK.domain}[ods]
    for n in range(count):
        world.directory.add_account(Account(email=f"staff{n}.{ods.lower()}@{domain}", first_name="Staff",
                                            last_name=f"Member{n}", ods=ods))


def _leavers(*emails: str) -> str:
    return current_csv(*(f",,,,,,,,,,,{address},leaver" for address in emails))


def _subjects(world: Roster, upload: Upload) -> list[str]:
    return [sent.subject for sent in world.mailer.emails_for(upload.upload_id)]


def _finish_create_phase(world: Roster, upload: Upload) -> Upload:
    world.run_batches(upload.upload_id)
    return world.notify_step().finish(upload.upload_id)


# -- which uploads wait ------------------------------------------------------------------


def test_given_leavers_over_the_share_then_the_upload_waits_and_nothing_is_applied(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES, file_name="leavers.csv")

    assert upload.state is UploadState.AWAITING_APPROVAL
    assert upload.approval_administrators == {"RX1": [ADMIN, SECOND]} and upload.approvals == {}
    assert upload.orgs == ["RX1"]  # listed under its organisation, so that its administrators see it
    assert world.workflow.executions == {} and world.queue.queued == {} and world.queue.holds == {}
    assert upload.batch_list_key is None and world.directory.account(SARAH.email).status is AccountStatus.ACTIVE
    deadline = datetime.fromisoformat(upload.approval_deadline or "")
    assert timedelta(days=6, hours=23) < deadline - datetime.now(UTC) <= timedelta(days=7)
    assert world.uploads.approval_deadlines_due(upload.approval_deadline or "") == [(upload.upload_id, upload.approval_deadline)]
    [sent] = world.mailer.emails_for(upload.upload_id)
    assert sent.subject == "Approval needed: leavers.csv"
    assert (sent.recipient, sent.also_to) == (ADMIN, (SECOND,))
    assert sent.attachment_name == "leavers-plan.csv"
    assert parse_plan_csv(sent.attachment.decode()) == [PlanLine(2, "Leaver", SARAH.email)]
    assert "1 of the 2 active accounts of RX1 (50%) would be marked as leavers" in sent.body
    assert f"- RX1: {SECOND}" in sent.body and f"roster approve {upload.upload_id}" in sent.body


def test_given_leavers_over_the_count_but_under_the_share_then_the_upload_waits(world: Roster) -> None:
    world.settings = settings(leaver_approval_threshold=2, leaver_approval_percent=10)
    _add_active(world, "RX1", 48)

    upload = world.upload(_leavers("staff0.rx1@nhs.net", "staff1.rx1@nhs.net", "staff2.rx1@nhs.net"))

    assert upload.state is UploadState.AWAITING_APPROVAL  # 3 of 50 is 6%, but more than 2
    assert "3 of the 50 active accounts of RX1 (6%)" in upload.approval_reasons[0]


def test_given_leavers_under_both_limits_then_the_upload_goes_on(world: Roster) -> None:
    _add_active(world, "RX1", 18)

    upload = world.upload(SARAH_LEAVES)  # 1 of 20 is 5%

    assert upload.state is UploadState.CREATING and upload.approval_administrators == {}
    assert world.mailer.emails_for(upload.upload_id) == []


def test_given_a_validate_only_upload_over_a_limit_then_it_is_only_validated(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES, validate_only=True)

    assert upload.state is UploadState.VALIDATED and _subjects(world, upload) == ["Validated: users.csv"]


def test_given_several_organisations_then_only_those_over_a_limit_wait_and_each_needs_its_own_approval(
        world: Roster) -> None:
    york_admin = "york.admin@york.nhs.net"
    world.directory.add_admin(york_admin, {"RY2"})
    _add_active(world, "RY2", 2)
    _add_active(world, "RX1", 38)  # Leeds: 40 active, so one leaver is 2.5%
    upload = world.upload(_leavers("staff0.ry2@york.nhs.net", SARAH.email))

    assert upload.approval_administrators == {"RY2": [ADMIN, york_admin]}

    world.settings = settings(leaver_approval_threshold=25, leaver_approval_percent=2)
    both = world.upload(_leavers("staff0.ry2@york.nhs.net", SARAH.email), file_name="both.csv")
    assert both.approval_administrators == {"RX1": [ADMIN, SECOND], "RY2": [ADMIN, york_admin]}
    [sent] = world.mailer.emails_for(both.upload_id)
    assert sent.also_to == (SECOND, york_admin) and len(both.approval_reasons) == 2

    assert _step(world).approve_upload(both.upload_id, SECOND).state is UploadState.AWAITING_APPROVAL
    done = _step(world).approve_upload(both.upload_id, york_admin)
    assert done.state is UploadState.CREATING and done.approvals == {"RX1": SECOND, "RY2": york_admin}


def test_given_an_upload_waiting_then_another_upload_of_its_organisation_is_not_held_up(world: Roster) -> None:
    waiting = world.upload(SARAH_LEAVES)
    other = world.upload(current_csv(",Jane,Doe,,Nurse,RX1,,,,,,,"), file_name="new.csv")

    assert waiting.state is UploadState.AWAITING_APPROVAL and other.state is UploadState.CREATING


# -- who may approve ---------------------------------------------------------------------


def test_given_another_administrator_exists_then_the_uploader_cannot_approve(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)

    with pytest.raises(ApprovalRefused, match="You uploaded this file"):
        _step(world).approve_upload(upload.upload_id, ADMIN)
    with pytest.raises(ApprovalRefused, match="You do not administer"):
        _step(world).approve_upload(upload.upload_id, STRANGER)

    assert world.uploads.get(upload.upload_id).state is UploadState.AWAITING_APPROVAL
    assert (may_approve(upload, ADMIN), may_approve(upload, SECOND.upper()), may_approve(upload, STRANGER)) == (
        False, True, False)
    assert (may_cancel(upload, ADMIN), may_cancel(upload, SECOND), may_cancel(upload, STRANGER)) == (True, True, False)


def test_given_the_uploader_is_the_only_administrator_then_the_uploader_may_approve(world: Roster) -> None:
    _add_active(world, "RY2", 1)
    upload = world.upload(_leavers("staff0.ry2@york.nhs.net"))

    assert upload.approval_administrators == {"RY2": [ADMIN]}
    assert _step(world).approve_upload(upload.upload_id, ADMIN).state is UploadState.CREATING


def test_given_an_approval_then_the_file_is_validated_again_and_applied_once(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)

    approved = _step(world).approve_upload(upload.upload_id, SECOND)

    assert approved.state is UploadState.CREATING and approved.approvals == {"RX1": SECOND}
    assert list(world.workflow.executions) == [upload.upload_id]
    assert world.uploads.approval_deadlines_due("9999") == []
    finished = _finish_create_phase(world, approved)
    assert finished.state is UploadState.COMPLETED and finished.counts["leavers"] == 1
    assert world.directory.account(SARAH.email).status is AccountStatus.LEAVER
    assert _subjects(world, upload) == ["Approval needed: users.csv", "Upload complete: users.csv"]


def test_given_an_approval_after_the_directory_changed_then_revalidation_fails_and_nothing_is_applied(
        world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    del world.directory.accounts_by_email[SARAH.email]  # removed while the upload waited

    approved = _step(world).approve_upload(upload.upload_id, SECOND)

    assert approved.state is UploadState.INVALID and world.workflow.executions == {}
    assert "No account has the address sarah.oconnor@nhs.net" in world.files.text(approved.report_key or "")
    assert _subjects(world, upload) == ["Approval needed: users.csv", "Validation failed: users.csv"]


def test_given_an_approval_when_another_organisation_is_now_over_a_limit_then_it_waits_for_that_one(
        world: Roster) -> None:
    york_admin = "york.admin@york.nhs.net"
    world.directory.add_admin(york_admin, {"RY2"})
    _add_active(world, "RY2", 20)
    upload = world.upload(_leavers(SARAH.email, "staff0.ry2@york.nhs.net"))  # York: 1 of 20 is 5%
    for n in range(1, 20):  # York's accounts leave in between: 1 of 1 is now 100%
        address = f"staff{n}.ry2@york.nhs.net"
        world.directory.accounts_by_email[address] = world.directory.accounts_by_email[address].model_copy(
            update={"status": AccountStatus.LEAVER})

    again = _step(world).approve_upload(upload.upload_id, SECOND)

    assert again.state is UploadState.AWAITING_APPROVAL and again.approvals == {"RX1": SECOND}
    assert sorted(again.approval_administrators) == ["RX1", "RY2"]
    assert _subjects(world, upload) == ["Approval needed: users.csv", "Approval needed: users.csv"]
    assert _step(world).approve_upload(upload.upload_id, york_admin).state is UploadState.CREATING


def test_given_a_new_wait_then_an_administrator_who_approved_before_may_approve_the_new_organisation(
        world: Roster) -> None:
    world.directory.add_admin(SECOND, {"RX1", "RY2"})
    _add_active(world, "RY2", 20)
    upload = world.upload(_leavers(SARAH.email, "staff0.ry2@york.nhs.net"))  # York: 1 of 20, only Leeds waits
    for n in range(1, 20):
        address = f"staff{n}.ry2@york.nhs.net"
        world.directory.accounts_by_email[address] = world.directory.accounts_by_email[address].model_copy(
            update={"status": AccountStatus.LEAVER})

    waiting = _step(world).approve_upload(upload.upload_id, SECOND)  # re-validated: York is now 1 of 1

    assert waiting.state is UploadState.AWAITING_APPROVAL and waiting.approvals == {"RX1": SECOND}
    assert _step(world).approve_upload(upload.upload_id, SECOND).approvals == {"RX1": SECOND, "RY2": SECOND}
    assert world.uploads.get(upload.upload_id).state is UploadState.CREATING


# -- exactly once ------------------------------------------------------------------------


def test_given_an_approval_repeated_then_one_create_phase_and_one_results_email(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    first = _step(world).approve_upload(upload.upload_id, SECOND)

    again = _step(world).approve_upload(upload.upload_id, SECOND.upper())

    assert again.state is first.state is UploadState.CREATING and list(world.workflow.executions) == [upload.upload_id]
    _finish_create_phase(world, first)
    assert _step(world).approve_upload(upload.upload_id, SECOND).state is UploadState.COMPLETED
    assert _subjects(world, upload) == ["Approval needed: users.csv", "Upload complete: users.csv"]


def test_given_two_approvals_at_once_then_one_wins_and_one_create_phase_starts(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    step = _step(world)
    answers: list[Upload] = []
    world.uploads.before_update_if = lambda upload_id: answers.append(step.approve_upload(upload_id, SECOND))

    answers.append(step.approve_upload(upload.upload_id, SECOND))

    assert [answer.state for answer in answers] == [UploadState.CREATING, UploadState.CREATING]
    assert list(world.workflow.executions) == [upload.upload_id] and world.uploads.get(upload.upload_id).approval_revision == 2
    assert len(world.queue.queued) == 0 and world.queue.holder("RX1") == upload.upload_id


def test_given_a_cancel_wins_the_race_then_the_approval_is_refused_as_too_late(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    step = _step(world)
    world.uploads.before_update_if = lambda upload_id: step.cancel_upload(upload_id, ADMIN)

    with pytest.raises(NotAwaitingApproval, match="cancelled"):
        step.approve_upload(upload.upload_id, SECOND)

    assert world.uploads.get(upload.upload_id).state is UploadState.CANCELLED and world.workflow.executions == {}


def test_given_a_revalidation_that_died_then_the_approver_asking_again_takes_it_over(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    world.uploads.update(upload.upload_id, state=UploadState.VALIDATING, approvals={"RX1": SECOND},
                         approval_revision=upload.approval_revision + 1)  # approved, then the Lambda died
    step = _step(world)

    assert step.approve_upload(upload.upload_id, SECOND).state is UploadState.VALIDATING  # still within its lease
    step.clock = lambda: datetime.now(UTC) + timedelta(minutes=16)
    assert step.approve_upload(upload.upload_id, SECOND).state is UploadState.CREATING
    assert list(world.workflow.executions) == [upload.upload_id]


# -- cancel and expiry -------------------------------------------------------------------


def test_given_a_waiting_upload_when_the_uploader_cancels_then_it_ends_with_one_email(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    step = _step(world)

    cancelled = step.cancel_upload(upload.upload_id, ADMIN)
    again = step.cancel_upload(upload.upload_id, SECOND)

    assert cancelled.state is again.state is UploadState.CANCELLED and cancelled.cancelled_by == ADMIN
    assert world.uploads.approval_deadlines_due("9999") == [] and world.workflow.executions == {}
    assert world.directory.account(SARAH.email).status is AccountStatus.ACTIVE
    [_, sent] = world.mailer.emails_for(upload.upload_id)
    assert (sent.subject, sent.recipient, sent.also_to) == ("Upload cancelled: users.csv", ADMIN, ())
    assert "was cancelled by you while it waited for approval" in sent.body
    with pytest.raises(NotAwaitingApproval):
        step.approve_upload(upload.upload_id, SECOND)


def test_given_someone_not_concerned_then_they_cannot_cancel(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)

    with pytest.raises(ApprovalRefused, match="cannot cancel"):
        _step(world).cancel_upload(upload.upload_id, STRANGER)
    assert world.uploads.get(upload.upload_id).state is UploadState.AWAITING_APPROVAL


def test_given_an_upload_that_needs_no_approval_then_approve_and_cancel_say_so(world: Roster) -> None:
    upload = world.upload(current_csv(",Jane,Doe,,Nurse,RX1,,,,,,,"))

    with pytest.raises(NotAwaitingApproval, match="does not need approval"):
        _step(world).approve_upload(upload.upload_id, SECOND)
    with pytest.raises(NotAwaitingApproval):
        _step(world).cancel_upload(upload.upload_id, ADMIN)


def test_given_the_deadline_passed_then_the_waiting_upload_is_cancelled_once_with_one_email(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    other = world.upload(SARAH_LEAVES, file_name="other.csv")
    _step(world).cancel_upload(other.upload_id, SECOND)
    deadline = datetime.fromisoformat(upload.approval_deadline or "")
    step = _step(world)

    assert step.expire_waiting_approvals(deadline - timedelta(seconds=1)) == []
    assert step.expire_waiting_approvals(deadline) == [upload.upload_id]
    assert step.expire_waiting_approvals(deadline + timedelta(days=1)) == []

    expired = world.uploads.get(upload.upload_id)
    assert expired.state is UploadState.CANCELLED and expired.cancelled_by is None
    assert _subjects(world, upload) == ["Approval needed: users.csv", "Upload cancelled: users.csv"]
    assert "Nobody approved users.csv" in world.mailer.emails_for(upload.upload_id)[1].body
    assert world.uploads.deadlines == set()


def test_given_a_plan_then_the_api_can_read_it(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)

    assert parse_plan_csv(_step(world).plan_csv_for(upload.upload_id) or "") == [PlanLine(2, "Leaver", SARAH.email)]
    invalid = world.upload(current_csv(",Jane,Doe,,Nurse,RX9,,,,,,,"), file_name="bad.csv")
    assert _step(world).plan_csv_for(invalid.upload_id) is None


def test_given_a_repeated_upload_event_while_waiting_then_nothing_more_happens(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)

    again = world.validate_step().receive(upload.key, upload.version_id)

    assert again.state is UploadState.AWAITING_APPROVAL and again.approval_revision == upload.approval_revision
    assert len(world.mailer.emails_for(upload.upload_id)) == 1



# -- rights decided when they act; the deadline is the deadline (issue 18, defects 2 and 3) ----------
def test_given_an_approver_removed_since_the_upload_started_waiting_then_they_can_neither_approve_nor_cancel(
        world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    world.directory.add_admin(SECOND, {"Y0301"})  # no longer administers Leeds

    with pytest.raises(ApprovalRefused, match="do not administer"):
        _step(world).approve_upload(upload.upload_id, SECOND)
    with pytest.raises(ApprovalRefused, match="cannot cancel"):
        _step(world).cancel_upload(upload.upload_id, SECOND)
    assert world.uploads.get(upload.upload_id).state is UploadState.AWAITING_APPROVAL
    assert world.directory.account(SARAH.email).status is AccountStatus.ACTIVE


def test_given_an_administrator_added_since_the_upload_started_waiting_then_they_may_approve(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    world.directory.add_admin("newcomer@nhs.net", {"RX1"})

    assert _step(world).approve_upload(upload.upload_id, "newcomer@nhs.net").state is UploadState.CREATING


def test_given_the_uploader_alone_then_removed_then_nobody_may_approve_for_that_organisation(world: Roster) -> None:
    _add_active(world, "RY2", 1)
    upload = world.upload(_leavers("staff0.ry2@york.nhs.net"))
    world.directory.add_admin(ADMIN, {"RX1"})  # ADMIN no longer administers York

    with pytest.raises(ApprovalRefused):
        _step(world).approve_upload(upload.upload_id, ADMIN)
    assert world.uploads.get(upload.upload_id).state is UploadState.AWAITING_APPROVAL


def test_given_the_deadline_has_come_then_an_approval_is_refused_and_the_upload_cancelled(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    deadline = datetime.fromisoformat(upload.approval_deadline or "")
    step = _step(world)
    step.clock = lambda: deadline  # the sweeper has not run

    with pytest.raises(NotAwaitingApproval, match="deadline"):
        step.approve_upload(upload.upload_id, SECOND)

    cancelled = world.uploads.get(upload.upload_id)
    assert cancelled.state is UploadState.CANCELLED and cancelled.cancelled_by is None
    assert world.directory.account(SARAH.email).status is AccountStatus.ACTIVE
    assert _subjects(world, upload) == ["Approval needed: users.csv", "Upload cancelled: users.csv"]


def test_given_a_second_before_the_deadline_then_an_approval_is_accepted(world: Roster) -> None:
    upload = world.upload(SARAH_LEAVES)
    step = _step(world)
    step.clock = lambda: datetime.fromisoformat(upload.approval_deadline or "") - timedelta(seconds=1)

    assert step.approve_upload(upload.upload_id, SECOND).state is UploadState.CREATING


# -- the guard counts a window, and an approval is of one plan (issue 18, defect 10) ----------------
def test_given_a_retirement_split_over_two_files_then_the_second_waits(world: Roster) -> None:
    world.settings = settings(leaver_approval_threshold=2, leaver_approval_percent=100)
    _add_active(world, "RX1", 6)

    first = world.upload(_leavers("staff0.rx1@nhs.net", "staff1.rx1@nhs.net"), file_name="first.csv")
    second = world.upload(_leavers("staff2.rx1@nhs.net"), file_name="second.csv")

    assert first.state is UploadState.CREATING  # 2 leavers: not more than 2
    assert second.state is UploadState.AWAITING_APPROVAL  # 1 more within 24 hours: 3
    assert "3 of the" in second.approval_reasons[0]


def test_given_leavers_of_a_cancelled_upload_then_they_do_not_count(world: Roster) -> None:
    world.settings = settings(leaver_approval_threshold=2, leaver_approval_percent=100)
    _add_active(world, "RX1", 6)
    waiting = world.upload(_leavers("staff0.rx1@nhs.net", "staff1.rx1@nhs.net", "staff2.rx1@nhs.net"))
    _step(world).cancel_upload(waiting.upload_id, ADMIN)

    assert world.upload(_leavers("staff3.rx1@nhs.net")).state is UploadState.CREATING


def test_given_leavers_applied_before_the_window_then_they_do_not_count(world: Roster) -> None:
    world.settings = settings(leaver_approval_threshold=2, leaver_approval_percent=100,
                              leaver_approval_window_hours=24)
    _add_active(world, "RX1", 6)
    world.upload(_leavers("staff0.rx1@nhs.net", "staff1.rx1@nhs.net"))
    world.uploads.age_leaver_records(timedelta(hours=25))

    # It goes on (queued behind the first, which still holds Leeds): 1 leaver in the last 24 hours.
    assert world.upload(_leavers("staff2.rx1@nhs.net")).state is UploadState.QUEUED


def test_given_the_directory_changed_since_it_was_approved_then_the_approved_plan_is_what_applies(
        world: Roster) -> None:
    # Tom is a leaver already when the approver reads the plan: his row is Unchanged, one leaver in all.
    upload = world.upload(_leavers(SARAH.email, TOM.email))
    world.directory.add_account(TOM.model_copy(update={"status": AccountStatus.ACTIVE}))  # Tom rejoined since

    after = _step(world).approve_upload(upload.upload_id, SECOND)
    world.run_batches(upload.upload_id)

    # Re-validated against the accounts as planned (docs/approval-and-plan.md#applying-what-was-planned-the-plan-is-binding), the file
    # gives the plan the approver saw, so the approval holds; and Tom's Unchanged row retires nobody.
    assert after.state is UploadState.CREATING
    assert world.directory.account(TOM.email).status is AccountStatus.ACTIVE
    assert world.directory.account(SARAH.email).status is AccountStatus.LEAVER


def test_given_the_plan_unchanged_then_the_approval_applies_it(world: Roster) -> None:
    upload = world.upload(_leavers(SARAH.email, TOM.email))

    assert _step(world).approve_upload(upload.upload_id, SECOND).state is UploadState.CREATING


def test_given_an_approver_quicker_than_the_email_then_the_approval_needed_email_is_still_sent(
        world: Roster) -> None:
    recorded = world.uploads.update

    def update(upload_id: str, expect_state: UploadState | None = None, **changes: object) -> None:
        recorded(upload_id, expect_state, **changes)
        if changes.get("state") is UploadState.AWAITING_APPROVAL:  # approved on the console at once
            recorded(upload_id, state=UploadState.VALIDATING, approvals={"RX1": SECOND})

    world.uploads.update = update  # type: ignore[method-assign]
    upload = world.upload(SARAH_LEAVES)

    assert _subjects(world, upload) == ["Approval needed: users.csv"]
