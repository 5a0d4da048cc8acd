"""An email to more people than SES takes in one message, as several messages (docs/csv-format.md,
"Emails"): SES refuses a message with more than 50 distinct recipients (To, Cc, Bcc and the
envelope together), so an `Approval needed:` email to the administrators of many
organisations goes out in parts of at most 50, each naming only its own recipients. The
mailer sends each part once (roster.adapters.ses: one idempotency key per part)."""

from __future__ import annotations

from dataclasses import replace

from roster.emails import OutgoingEmail

SES_RECIPIENTS = 50  # distinct recipients of one message


def in_parts(email: OutgoingEmail, most: int = SES_RECIPIENTS) -> list[OutgoingEmail]:
    """The email as messages of at most `most` distinct recipients (by address, ignoring case),
    in order: the first recipient (the uploader) is in the first part."""
    distinct = list({address.lower(): address for address in reversed(email.recipients)}.values())[::-1]
    if len(distinct) <= most and distinct == email.recipients:
        return [email]
    groups = [distinct[start:start + most] for start in range(0, len(distinct), most)]
    return [replace(email, recipient=group[0], also_to=tuple(group[1:])) for group in groups]


def part_kind(kind: str, part: int) -> str:
    """The idempotency kind of a part: the first keeps the email's own, so that an email sent
    before it had parts is not sent again."""
    return kind if part == 0 else f"{kind}#part{part + 1}"
