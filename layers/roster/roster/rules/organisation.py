"""Organisations and their units (docs/csv-format.md#current-format): the ODS code's form, and what
the directory says about it."""

from __future__ import annotations

import re

from roster.model.directory import DirectorySnapshot, Organisation
from roster.rules import InvalidCell

_ODS_CODE = re.compile(r"[A-Za-z0-9]{3,10}")
_LISTED_UNITS = 10


def ods_code(value: str, column: str) -> str:
    """An ODS code: 3-10 letters or digits, returned upper-case."""
    if not _ODS_CODE.fullmatch(value):
        raise InvalidCell(
            f"{column} '{value[:40]}' is not an ODS code; an ODS code has 3 to 10 letters or digits, "
            "such as RX1 or Y01234."
        )
    return value.upper()


def known_organisation(snapshot: DirectorySnapshot, ods: str, column: str) -> Organisation:
    """The directory's organisation with this ODS code, or InvalidCell when there is none."""
    organisation = snapshot.organisation(ods)
    if organisation is None:
        raise InvalidCell(
            f"{column} {ods} is not an organisation in the directory; check the code against your "
            "organisation's ODS record."
        )
    return organisation


def unit_of(organisation: Organisation, value: str, column: str) -> str:
    """The organisation's unit named by `value` (any case), spelled as the directory spells it."""
    wanted = value.casefold()
    for unit in organisation.units:
        if unit.casefold() == wanted:
            return unit
    if organisation.units:
        units = ", ".join(organisation.units[:_LISTED_UNITS])
        more = f" and {len(organisation.units) - _LISTED_UNITS} more" if len(organisation.units) > _LISTED_UNITS else ""
        allowed = f"use one of its units ({units}{more})"
    else:
        allowed = "it has no units"
    raise InvalidCell(
        f"{column} '{value}' is not a unit of organisation {organisation.ods} ({organisation.name}); "
        f"{allowed}, or leave it blank to place the user directly under the organisation."
    )


def require_administered(snapshot: DirectorySnapshot, ods: str, doing: str) -> None:
    """Refuse a row that touches an organisation the uploader does not administer."""
    if ods in snapshot.administered:
        return
    organisation = snapshot.organisation(ods)
    named = f"{ods} ({organisation.name})" if organisation else ods
    yours = ", ".join(sorted(snapshot.administered)[:_LISTED_UNITS])
    raise InvalidCell(
        f"You do not administer organisation {named}, so you cannot {doing}; "
        f"you can only change users of the organisations you administer ({yours})."
    )
