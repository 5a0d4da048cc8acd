"""Batch files: what notify reads back of an upload's planned rows."""

from __future__ import annotations

from roster.create.batches import batch_list_key, planned_lines, read_all_batches
from tests.conftest import current_csv
from tests.unit.conftest import Roster, settings

USERS = current_csv(
    ",Jane,Doe,,Nurse,RX1,Cardiology,,,,,,",
    ",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,",
    ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
)


def test_given_rows_cut_into_several_batches_when_their_lines_are_read_then_every_line_comes_in_file_order(
        roster: Roster) -> None:
    roster.settings = settings(batch_size=2)
    upload = roster.upload(USERS)

    lines = list(planned_lines(roster.files, upload.upload_id))

    assert upload.batch_count == 2
    assert lines == [row.line for row in read_all_batches(roster.files, upload.upload_id)] == [2, 3, 4]


def test_given_batch_files_when_their_lines_are_read_then_nothing_but_each_rows_line_is_looked_at(
        roster: Roster) -> None:
    roster.files.put_json(batch_list_key("job"), [{"batch_key": "batches/job/00001.json", "batch_no": 1},
                                                  {"batch_key": "batches/job/00002.json", "batch_no": 2}])
    roster.files.put_json("batches/job/00001.json", [{"line": 7, "action": "not an action"}, {"line": 9}])
    roster.files.put_json("batches/job/00002.json", [{"line": 12}])

    assert list(planned_lines(roster.files, "job")) == [7, 9, 12]
