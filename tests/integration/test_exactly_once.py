"""Nothing an administrator or the platform does creates a second account or a second email."""

from __future__ import annotations

import pytest

from roster.adapters.holds import OrganisationHolds
from roster.contract.results_file import parse_results_csv
from roster.queue.dispatch import dispatch_waiting
from roster.settings import get_settings
from roster_local.run.local_run import sent_emails
from tests.conftest import EXAMPLES, current_csv

pytestmark = pytest.mark.integration


def _results(result):
    return parse_results_csv((result.folder / "results.csv").read_text(encoding="utf-8"))


def _emails(result):
    return sorted((result.folder / "emails").glob("*.eml"))


def test_the_same_file_twice_creates_one_set_of_accounts(harness):
    before = len(harness.directory.all_accounts())
    first, second = harness.upload(EXAMPLES / "users.csv", EXAMPLES / "users.csv")

    created = _results(first)
    repeated = _results(second)
    assert {r["Result"] for r in created} == {"Created"}
    assert {r["Result"] for r in repeated} == {"Unchanged"}
    for new, again in zip(created, repeated, strict=True):
        assert again["Assigned Email"] == new["Assigned Email"]
        assert again["Message"].startswith(f"Already created as {new['Assigned Email']} by upload {first.upload.upload_id} on ")
        assert again["Temporary Password"] == ""
    assert len(harness.directory.all_accounts()) == before + 20
    assert len(_emails(first)) == 1 and len(_emails(second)) == 1


def test_the_same_file_uploaded_twice_at_once_creates_one_set_of_accounts(harness):
    before = len(harness.directory.all_accounts())
    first, second = harness.upload(EXAMPLES / "users.csv", EXAMPLES / "users.csv", parallel=True)

    both = _results(first) + _results(second)
    assert sorted(r["Result"] for r in both) == ["Created"] * 20 + ["Unchanged"] * 20
    assert len({r["Assigned Email"] for r in both}) == 20
    assert len(harness.directory.all_accounts()) == before + 20


def test_a_results_file_uploaded_again_is_unchanged(harness):
    (first,) = harness.upload(EXAMPLES / "users.csv")
    again = harness.write("users-results.csv", (first.folder / "results.csv").read_bytes())
    (second,) = harness.upload(again)

    assert second.upload.state.value == "COMPLETED"
    assert second.upload.counts["warnings"] == 0  # no "possible duplicate" of the users it created itself
    rows = _results(second)
    assert {r["Result"] for r in rows} == {"Unchanged"}
    assert [r["Assigned Email"] for r in rows] == [r["Assigned Email"] for r in _results(first)]


def test_leaver_joiner_update_and_unchanged_rows(harness):
    (result,) = harness.upload(EXAMPLES / "updates.csv")

    assert result.upload.state.value == "COMPLETED"
    by_email = {r["Email Address"] or r["Assigned Email"]: r for r in _results(result)}
    assert by_email["amir.khan@nhs.net"]["Result"] == "Updated"
    assert by_email["sarah.oconnor@nhs.net"]["Result"] == "Leaver"
    assert by_email["tom.baker@nhs.net"]["Result"] == "Joiner"
    assert by_email["lucy.gray@nhs.net"]["Result"] == "Unchanged"
    assert by_email["daniel.clarke@nhs.net"]["Result"] == "Created"
    accounts = {a.email: a for a in harness.directory.all_accounts()}
    assert accounts["amir.khan@nhs.net"].job_title == "Lead Radiographer"
    assert accounts["amir.khan@nhs.net"].mobile_phone == "+447912345200"
    assert accounts["amir.khan@nhs.net"].business_phone == "+441134960001"  # blank cell: left alone
    assert accounts["sarah.oconnor@nhs.net"].status.value == "leaver"
    assert accounts["sarah.oconnor@nhs.net"].leaver_at
    tom = accounts["tom.baker@nhs.net"]
    assert (tom.status.value, tom.ods, tom.unit, tom.joined_at is not None) == ("active", "RY2", "District Nursing", True)
    counts = result.upload.counts
    assert (counts["updated"], counts["leavers"], counts["joiners"], counts["unchanged"], counts["created"]) == \
        (1, 1, 1, 1, 1)

    (again,) = harness.upload(EXAMPLES / "updates.csv")
    assert {r["Result"] for r in _results(again)} == {"Unchanged"}


@pytest.mark.parametrize("chaos_harness", [
    ("create:before:0.3,create:after:0.5", 11),
    ("validate:before:0.3,validate:after:0.6,notify:before:0.4,notify:after:0.6", 5),
], indirect=True, ids=["create-faults", "validate-and-notify-faults"])
def test_faults_before_and_after_side_effects_change_nothing(chaos_harness):
    before = len(chaos_harness.directory.all_accounts())
    first, second = chaos_harness.upload(EXAMPLES / "users.csv", EXAMPLES / "updates.csv")

    assert chaos_harness.stack.lambdas.stats.injected, "the chaos rules injected no fault"
    rows = _results(first)
    assert {r["Result"] for r in rows} == {"Created"}
    assert len({r["Assigned Email"] for r in rows}) == 20
    assert all(len(r["Temporary Password"]) == 16 for r in rows if r["Last Name"] != "Brown")
    assert sorted(r["Result"] for r in _results(second)) == ["Created", "Joiner", "Leaver", "Unchanged", "Updated"]
    assert len(chaos_harness.directory.all_accounts()) == before + 21
    assert len(_emails(first)) == 1 and len(_emails(second)) == 1


def test_a_repeated_upload_event_is_the_same_upload(harness):
    (result,) = harness.upload(EXAMPLES / "users.csv")
    upload = result.upload
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post", "s3": {
        "bucket": {"name": upload.bucket}, "object": {"key": upload.key, "versionId": upload.version_id}}}]}
    validate = next(spec for spec in harness.stack.lambdas.functions.values() if spec.kind == "validate")

    payload, failed = harness.stack.lambdas.invoke(validate.name, event)

    assert not failed and payload["jobs"] == [{"job_id": upload.upload_id, "state": "COMPLETED"}]
    executions = harness.stack.client("stepfunctions").list_executions(
        stateMachineArn=get_settings().state_machine_arn)["executions"]
    assert [e["name"] for e in executions] == [upload.upload_id]
    assert harness.stack.lambdas.wait_idle(timeout=60)
    assert len(sent_emails(upload.upload_id)) == 1


def test_a_queued_upload_starts_when_the_first_ends_and_an_expired_hold_is_taken_over(harness):
    now = [1_000_000.0]
    settings = get_settings()
    holds = OrganisationHolds(harness.stack.client("dynamodb"), settings.jobs_table, 60, clock=lambda: now[0])
    started: list[str] = []

    assert holds.try_take("job-a", ["RX1", "RY2"])
    holds.enqueue("job-b", "2026-01-01T00:00:01", ["RX1"])
    holds.enqueue("job-c", "2026-01-01T00:00:02", ["RX1", "Y0301"])
    holds.enqueue("job-d", "2026-01-01T00:00:03", ["Y0301"])
    # b waits for a; c waits behind b (upload order); d shares nothing with a or b, but c came first
    assert dispatch_waiting(holds, started.append) == []
    holds.release("job-a", ["RX1", "RY2"])
    assert dispatch_waiting(holds, started.append) == ["job-b"]
    assert holds.holder("RX1")["holder"] == "job-b"
    # job-b dies without releasing: once its hold expires, the next dispatch takes it over
    now[0] += 61
    assert dispatch_waiting(holds, started.append) == ["job-c"]
    assert holds.holder("RX1")["holder"] == "job-c"
    assert started == ["job-b", "job-c"]


def test_an_update_with_a_password_submitted_again_is_unchanged(harness):
    path = harness.write("password.csv", current_csv(",,,,,,,,,,Xk9#mQ2$vL7!pR,amir.khan@nhs.net,"))

    first, again = harness.upload(path, path)

    assert [(r["Result"], r["Password"]) for r in _results(first)] == [("Updated", "********")]
    assert [(r["Result"], r["Message"]) for r in _results(again)] == [
        ("Unchanged", "Nothing to change: the account already has these values.")]
