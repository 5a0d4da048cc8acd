"""SendRawEmail within SES's limits: 10 MB a message, 50 distinct recipients.

moto accepts a raw message of any size, and counts recipients wrongly the other way: it adds
the addresses of the To, Cc and Bcc headers to the Destinations and refuses more than 50 of
those together, so an email Roster sends to 26 people (each in both) is refused here while
SES takes it. SES counts each distinct recipient once (To, Cc, Bcc and Destinations together)
and refuses more than 50 ("InvalidParameterValue: Recipient count exceeds 50."), and refuses
a raw message over 10 MB ("MessageRejected: Message length is more than 10485760 bytes long").
`send_raw_email` here checks both as SES does, then lets moto keep the message as it would
(its sender check, address check and outbox), with the recipients counted once."""

from __future__ import annotations

import re
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

from moto.ses.exceptions import InvalidParameterValue, MessageRejectedError
from moto.ses.models import RawMessage, SESBackend

from roster_local.stack.limits import SES_RAW_MESSAGE_BYTES, SES_RECIPIENTS

MOTO_SEND_RAW_EMAIL = SESBackend.send_raw_email


def apply() -> None:
    """Install the limit checks (idempotent)."""
    SESBackend.send_raw_email = send_raw_email  # type: ignore[method-assign]


def send_raw_email(self: SESBackend, source: str, destinations: list[str], raw_data: str) -> RawMessage:
    """SES's limits first; then moto's SendRawEmail with each recipient once, as Destinations only."""
    size = len(raw_data.encode("utf-8"))
    if size > SES_RAW_MESSAGE_BYTES:
        raise MessageRejectedError(f"Message length is more than {SES_RAW_MESSAGE_BYTES} bytes long: '{size}'.")
    recipients = distinct_recipients(destinations, raw_data)
    if len(recipients) > SES_RECIPIENTS:
        raise InvalidParameterValue(f"Recipient count exceeds {SES_RECIPIENTS}.")
    # moto adds the header recipients to the Destinations again: give it the message without
    # them in its count, by handing it the distinct list and a header-less copy to count from.
    message = MOTO_SEND_RAW_EMAIL(self, source, recipients, _without_recipient_headers(raw_data))
    message.raw_data = raw_data  # the outbox keeps the message as sent
    return message


def distinct_recipients(destinations: list[str], raw_data: str) -> list[str]:
    """Every recipient of a message once (by address, case-insensitively), Destinations first."""
    message = HeaderParser().parsestr(_header_block(raw_data))
    headers = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    found: dict[str, str] = {}
    for address in [parseaddr(d)[1] for d in destinations] + [a for _, a in getaddresses(headers)]:
        if address:
            found.setdefault(address.lower(), address)
    return list(found.values())


_RECIPIENT_HEADER = re.compile(r"^(?:to|cc|bcc):.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.MULTILINE)
_END_OF_HEADERS = re.compile(r"\r?\n\r?\n")


def _header_block(raw_data: str) -> str:
    end = _END_OF_HEADERS.search(raw_data)
    return raw_data[:end.end()] if end else raw_data


def _without_recipient_headers(raw_data: str) -> str:
    """The message with its To, Cc and Bcc header fields (and their folded lines) left out;
    the body, however big, is not parsed."""
    head = _header_block(raw_data)
    return _RECIPIENT_HEADER.sub("", head) + raw_data[len(head):]
