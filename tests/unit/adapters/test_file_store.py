"""Presigned links to results too big to attach: they last as long as the email says, which is
no longer than the credentials that signed them (issue 8). No AWS: signing is local."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import boto3
import botocore.session
from botocore.credentials import RefreshableCredentials

from roster.adapters.file_store import FileStore, link_lifetime

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WEEK = 7 * 86400


def _s3(credentials_expiry: datetime | None):
    session = botocore.session.get_session()
    if credentials_expiry is None:
        session.set_credentials("AKIDEXAMPLE", "secret", "token")
    else:
        session._credentials = RefreshableCredentials.create_from_metadata(
            metadata={"access_key": "AKIDEXAMPLE", "secret_key": "secret", "token": "token",
                      "expiry_time": credentials_expiry.isoformat()},
            refresh_using=lambda: {"access_key": "AKIDEXAMPLE", "secret_key": "secret", "token": "token",
                                   "expiry_time": credentials_expiry.isoformat()},
            method="sts-assume-role")
    return boto3.Session(botocore_session=session).client("s3", region_name="eu-west-2")


def _signed_seconds(url: str) -> int:
    return int(parse_qs(urlparse(url).query)["X-Amz-Expires"][0])


def test_given_long_lived_credentials_then_the_link_lasts_as_configured() -> None:
    store = FileStore(_s3(None), "bucket", clock=lambda: NOW)

    link = store.presigned_download("results/job/users-results.csv", WEEK)

    assert link.expires_at == NOW + timedelta(days=7) and _signed_seconds(link.url) == WEEK


def test_given_a_role_session_ending_sooner_then_the_link_ends_with_it_and_says_so() -> None:
    session_end = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=6)
    store = FileStore(_s3(session_end), "bucket", clock=lambda: session_end - timedelta(hours=6))

    link = store.presigned_download("results/job/users-results.csv", WEEK)

    assert link.expires_at == session_end and _signed_seconds(link.url) == 6 * 3600


def test_the_lifetime_is_the_shorter_of_the_configured_one_and_the_credentials() -> None:
    assert link_lifetime(WEEK, None, NOW) == WEEK
    assert link_lifetime(WEEK, NOW + timedelta(hours=1), NOW) == 3600
    assert link_lifetime(600, NOW + timedelta(hours=1), NOW) == 600
