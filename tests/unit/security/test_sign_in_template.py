"""The user pool as template.yaml deploys it: what an administrator may change about themselves,
and how long a token lives (issue 18, defects 1 and 9; docs/security.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from roster_local.stack.template import load_template

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_template(TEMPLATE)["Resources"]


def test_the_app_client_cannot_write_the_email_attribute(resources):
    client = resources["AdminUserPoolClient"]["Properties"]

    # Left out, WriteAttributes lets a user rewrite every standard attribute with their own access token.
    assert "WriteAttributes" in client
    assert not {"email", "email_verified"} & set(client["WriteAttributes"])
    assert {"email", "email_verified"} <= set(client["ReadAttributes"])


def test_a_changed_email_stays_unverified_until_it_is_verified(resources):
    pool = resources["AdminUserPool"]["Properties"]

    assert pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email"]


def test_id_and_access_tokens_live_at_most_fifteen_minutes(resources):
    client = resources["AdminUserPoolClient"]["Properties"]
    units = client["TokenValidityUnits"]

    for token in ("IdToken", "AccessToken"):
        minutes = int(client[f"{token}Validity"]) * (60 if units[token] == "hours" else 1)
        assert units[token] in ("minutes", "hours") and minutes <= 15, token
    assert client["EnableTokenRevocation"] is True
