"""Shared test helpers: paths and small CSV builders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ADMIN = "admin@example.nhs.net"
APPROVER = "community.lead@example.nhs.net"  # RY2's second administrator in examples/directory.json

CURRENT_HEADER = ("Title,First Name,Last Name,Display Name,Job Title,Organisation ODSCode,Organisational Unit,"
                  "Business Phone,Mobile Phone,Mailbox Size,Password,Email Address,Status")


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


def current_csv(*rows: str) -> str:
    """A current-format file with these data rows."""
    return "\r\n".join((CURRENT_HEADER, *rows)) + "\r\n"
