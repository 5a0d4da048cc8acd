"""moto's SES keeps every message it accepted in its backend (`sent_messages`); the raw ones
(SendRawEmail, which is all Roster sends) keep their bytes in `raw_data`. `roster local run`
writes them out as the emails of each upload. Read-only: nothing in moto is replaced."""

from __future__ import annotations

from moto.ses.models import ses_backends


def raw_messages(account_id: str, region: str) -> list[bytes]:
    """Every raw message SES accepted in this account and region, in the order sent."""
    sent = []
    for message in ses_backends[account_id][region].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is not None:
            sent.append(raw.encode("utf-8") if isinstance(raw, str) else raw)
    return sent
