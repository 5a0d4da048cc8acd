"""The stand-in's warnings (a handler's exception) reach the terminal even beside Powertools."""

from __future__ import annotations

import io
import logging

from aws_lambda_powertools import Logger

from roster_local import cli


def test_given_a_powertools_logger_named_roster_when_the_stand_in_warns_then_the_warning_is_shown(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", stderr)
    stand_in = logging.getLogger("roster_local")
    saved = (list(stand_in.handlers), stand_in.propagate)
    try:
        Logger(service="roster")  # adds its filter of "roster" records to the root logger's handlers
        cli._show_stand_in_warnings()
        logging.getLogger("roster_local.stack.lambdas").warning("validate handler raised ClientError")
    finally:
        stand_in.handlers[:], stand_in.propagate = saved
    assert "WARNING roster_local.stack.lambdas: validate handler raised ClientError" in stderr.getvalue()
