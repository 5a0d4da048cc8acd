"""The administrators' commands as an administrator meets them (issue 22): every message says
what to do next, no traceback, tables instead of raw CSV, id prefixes, the truth about who
approves. The API is faked: these are the command line's own decisions."""

from __future__ import annotations

import argparse
import io
from typing import Any

import pytest

from roster_local.admin import commands
from roster_local.admin.api_client import ApiRefused
from roster_local.admin.upload_ids import resolve_upload_id
from roster_local.cli import build_parser

ONE = "a1b2c3d4" + "0" * 24
TWO = "a1b2ffff" + "0" * 24
PLAN = ("\ufeffLine,Action,Email Address,Field,Old,New\r\n" + "".join(f"{n},Create,p{n}@nhs.net,,,\r\n"
                                                                      for n in range(2, 31))
        + "31,Update,amir.khan@nhs.net,Job Title,Porter,Nurse\r\n31,Update,amir.khan@nhs.net,Mobile Phone,,"
          "'+447912345200\r\n").encode()


def _upload(upload_id: str = ONE, state: str = "VALIDATED", **more: Any) -> dict[str, Any]:
    return {"upload_id": upload_id, "file_name": "starters.csv", "uploader": "admin@nhs.net", "state": state,
            "final": True, "validate_only": True, "format": "current", "created_at": "2026-12-07T01:00:00+00:00",
            "counts": {"rows": 30, "created": 0, "updated": 0, "errors": 0, "warnings": 0},
            "progress": {"applied": 0, "rows": 30}, "links": {"validation_report": "x"}, "findings": [], **more}


class FakeApi:
    def __init__(self, uploads: list[dict[str, Any]], refuse: ApiRefused | None = None) -> None:
        self.uploads, self.refuse, self.calls = uploads, refuse, []

    def get_json(self, path: str, **query: str) -> dict[str, Any]:
        self.calls.append(("GET", path))
        if path == "/uploads":
            return {"uploads": self.uploads, "next_cursor": None}
        return next(u for u in self.uploads if path.endswith(u["upload_id"]))

    def post_json(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append(("POST", path))
        if self.refuse:
            raise self.refuse
        return self.uploads[0]

    def get_csv(self, path: str, **query: str) -> tuple[str, bytes]:
        self.calls.append(("GET", path))
        return "starters-plan.csv", PLAN


def _run(monkeypatch, api: FakeApi, *argv: str) -> int:
    monkeypatch.setattr(commands, "_api", lambda args: api)
    return commands.run_administrator_command(build_parser().parse_args(list(argv)))


def test_a_unique_prefix_names_the_upload(monkeypatch, capsys):
    api = FakeApi([_upload(ONE), _upload(TWO)])

    assert _run(monkeypatch, api, "status", "a1b2c3") == 0
    assert ("GET", f"/uploads/{ONE}") in api.calls


def test_an_ambiguous_prefix_is_refused_with_the_candidates(monkeypatch, capsys):
    code = _run(monkeypatch, FakeApi([_upload(ONE), _upload(TWO)]), "apply", "a1b2")

    err = capsys.readouterr().err
    assert code == 2 and "2 uploads have an id starting a1b2; give more of the id" in err
    assert ONE in err and TWO in err


def test_an_unknown_or_malformed_id_says_how_to_list_uploads():
    api = FakeApi([_upload(ONE)])
    with pytest.raises(commands.BadArguments, match="roster uploads lists them"):
        resolve_upload_id(api, "ffff")
    with pytest.raises(commands.BadArguments, match="is not an upload id"):
        resolve_upload_id(api, "staff.csv")


def test_a_validated_summary_says_what_applying_will_do(monkeypatch, capsys):
    assert _run(monkeypatch, FakeApi([_upload()]), "status", ONE) == 0

    out = capsys.readouterr().out
    assert "applying it will: 29 to create, 1 to update" in out
    assert "created 0" not in out and f"roster apply {ONE} --wait" in out


def test_re_applying_a_completed_upload_exits_non_zero_with_the_apis_message(monkeypatch, capsys):
    refusal = ApiRefused(409, f"Upload {ONE} was applied already and is COMPLETED; nothing was applied again.")

    code = _run(monkeypatch, FakeApi([_upload(state="COMPLETED")], refuse=refusal), "apply", ONE)

    assert code == 1 and "applied already and is COMPLETED" in capsys.readouterr().err


def test_the_plan_is_a_table_without_the_byte_order_mark_or_escapes(monkeypatch, capsys):
    assert _run(monkeypatch, FakeApi([_upload()]), "plan", ONE) == 0

    out = capsys.readouterr().out
    assert "\ufeff" not in out and "Line,Action" not in out
    assert "Action" in out and "amir.khan@nhs.net" in out and "+447912345200" in out and "'+44" not in out


def test_login_without_a_terminal_or_roster_password_says_how_without_a_traceback(monkeypatch, capsys):
    monkeypatch.delenv("ROSTER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    code = commands.run_administrator_command(build_parser().parse_args(
        ["login", "--url", "https://roster.example.com", "--email", "a@nhs.net"]))

    err = capsys.readouterr().err
    assert code == 2 and "ROSTER_PASSWORD" in err and "terminal" in err and "Traceback" not in err


def test_not_signed_in_anywhere_says_how_to_sign_in(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("ROSTER_URL", raising=False)

    code = commands.run_administrator_command(build_parser().parse_args(["uploads"]))

    err = capsys.readouterr().err
    assert code == 2 and "you are not signed in: roster login --url URL --email YOUR-EMAIL" in err
    assert "give --url" not in err


def test_an_uploader_who_is_the_only_administrator_is_told_to_approve_it_themself(capsys):
    waiting = _upload(state="AWAITING_APPROVAL", validate_only=False, approval={
        "reasons": ["1 of the 1 active accounts of Y0301 (100%) would be marked as leavers"],
        "approvers": {"Y0301": ["admin@nhs.net"]}, "uploader_approves": ["Y0301"], "approved": {},
        "deadline": None, "needed_on_apply": False, "may_approve": True, "may_cancel": True})
    args = argparse.Namespace(json=False)

    code = commands._finish(args, waiting, FakeApi([waiting]))  # type: ignore[arg-type]

    captured = capsys.readouterr()
    assert code == 1
    assert "You are the only administrator of Y0301, so you approve it yourself" in captured.err
    assert "another administrator" not in captured.err.lower()
    assert "Y0301: admin@nhs.net approves it (the uploader: Y0301 has no other administrator)" in captured.out


def test_an_upload_waiting_for_someone_else_names_them(capsys):
    waiting = _upload(state="AWAITING_APPROVAL", validate_only=False, approval={
        "reasons": ["26 of the 30 active accounts of RY2 (87%) would be marked as leavers"],
        "approvers": {"RY2": ["second@nhs.net"]}, "uploader_approves": [], "approved": {}, "deadline": None,
        "needed_on_apply": False, "may_approve": False, "may_cancel": True})

    commands._finish(argparse.Namespace(json=False), waiting, FakeApi([waiting]))  # type: ignore[arg-type]

    captured = capsys.readouterr()
    assert "RY2: approved by one of second@nhs.net" in captured.out and "26 of the 30" in captured.out
    assert f"ask an approver above to run roster approve {ONE}" in captured.out


def test_local_serve_names_roster_by_its_whole_path_when_it_is_not_on_the_path(monkeypatch, tmp_path):
    from roster_local.serve import command

    installed = tmp_path / ".venv" / "bin" / "roster"
    installed.parent.mkdir(parents=True)
    installed.write_text("#!/bin/sh\n")
    monkeypatch.setattr("sys.argv", [str(installed), "local", "serve"])
    monkeypatch.setattr(command.shutil, "which", lambda name: None)
    assert command.roster_command() == str(installed.resolve())

    monkeypatch.setattr(command.shutil, "which", lambda name: str(installed))
    assert command.roster_command() == "roster"


def test_the_validation_report_is_a_table_too(monkeypatch, capsys):
    api = FakeApi([_upload()])
    api.get_csv = lambda path, **query: ("s-validation.csv", "\ufeffLine,Column,Value,Severity,Message\r\n"  # type: ignore[method-assign]
                                         "3,Title,Sir,error,Title 'Sir' is not one of the allowed titles\r\n".encode())

    assert _run(monkeypatch, api, "validation", ONE) == 0

    out = capsys.readouterr().out
    assert "\ufeff" not in out and "Severity" in out and "Title 'Sir'" in out and "Line,Column" not in out
