"""Roster's accounts as SCIM Users (RFC 7643), and a User as the cells of one file row, so
that a SCIM write is checked and planned by the very rules a file row is (docs/scim.md#mapping).

Mapping: userName and externalId are the identity provider's; emails[type eq "work"] is the
address Roster generated (read only); name.honorificPrefix = Title, name.givenName = First Name,
name.familyName = Last Name, displayName = Display Name, title = Job Title,
phoneNumbers[type eq "work"|"mobile"] = Business and Mobile Phone, active = not a leaver, the
enterprise extension's department = Organisational Unit (its organization shows the ODS code and
is never written), and Roster's extension's mailboxSize = Mailbox Size (GB)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime

from pydantic import ValidationError
from scim2_models import (
    URN,
    Context,
    Email,
    EnterpriseUser,
    Extension,
    Meta,
    Name,
    PhoneNumber,
    ResponseParameters,
    User,
)

from roster.contract.columns import CURRENT_COLUMNS
from roster.model.directory import Account, AccountStatus
from roster.scim.errors import ScimError
from roster.scim.links import ScimLink

ROSTER_EXTENSION = "urn:roster:params:scim:schemas:extension:account:2.0:User"


class RosterAccount(Extension):
    """Roster's own fields of an account (docs/scim.md#mapping)."""

    __schema__ = URN(ROSTER_EXTENSION)

    mailbox_size: int | None = None
    """The mailbox size in whole GB (4 unless the organisation bought more)."""


RosterUser = User[EnterpriseUser | RosterAccount]


def to_resource(link: ScimLink, account: Account, base_url: str) -> RosterUser:
    """The SCIM User of a linked account, as it is now."""
    phones = [PhoneNumber(type=PhoneNumber.Type.work, value=account.business_phone),
              PhoneNumber(type=PhoneNumber.Type.mobile, value=account.mobile_phone)]
    user = RosterUser(
        id=link.id, external_id=link.external_id, user_name=link.user_name,
        name=Name(given_name=account.first_name, family_name=account.last_name,
                  honorific_prefix=account.title, formatted=f"{account.first_name} {account.last_name}"),
        display_name=account.display_name, title=account.job_title, active=account.status is AccountStatus.ACTIVE,
        emails=[Email(type=Email.Type.work, value=account.email, primary=True)],
        phone_numbers=[phone for phone in phones if phone.value],
        meta=Meta(resource_type="User", location=f"{base_url}/Users/{link.id}",
                  created=_moment(account.created_at or link.created_at),
                  last_modified=_moment(max(filter(None, (account.created_at, account.leaver_at, account.joined_at,
                                                          link.created_at))))),
    )
    user[EnterpriseUser] = EnterpriseUser(department=account.unit, organization=account.ods)
    user[RosterAccount] = RosterAccount(mailbox_size=account.mailbox_gb)
    return user


def with_empty_phones(user: RosterUser) -> RosterUser:
    """The user with a work and a mobile entry present even when blank, so that a PATCH to
    `phoneNumbers[type eq "work"].value` (what Entra sends) finds its target."""
    present = {str(phone.type) for phone in user.phone_numbers or []}
    missing = [PhoneNumber(type=kind, value=None) for kind in (PhoneNumber.Type.work, PhoneNumber.Type.mobile)
               if str(kind) not in present]
    return user.model_copy(update={"phone_numbers": [*(user.phone_numbers or []), *missing]})


def row_cells(user: RosterUser, ods: str, email: str | None) -> dict[str, str]:
    """The file row that asks for this User's state: its columns by name (blank: no value)."""
    name = user.name or Name()
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    roster = user[RosterAccount] or RosterAccount()
    mailbox = roster.mailbox_size
    return {
        "Title": name.honorific_prefix or "", "First Name": name.given_name or "", "Last Name": name.family_name or "",
        "Display Name": user.display_name or "", "Job Title": user.title or "", "Organisation ODSCode": ods,
        "Organisational Unit": enterprise.department or "", "Business Phone": _phone(user, "work"),
        "Mobile Phone": _phone(user, "mobile"), "Mailbox Size": "" if mailbox is None else str(mailbox),
        "Password": "", "Email Address": email or "", "Status": "leaver" if user.active is False else "",
    }


def row_file(cells: dict[str, str]) -> bytes:
    """A one-row upload in the current format (docs/csv-format.md#current-format)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CURRENT_COLUMNS)
    writer.writerow([cells[column] for column in CURRENT_COLUMNS])
    return out.getvalue().encode("utf-8")


def response_parameters(query: Mapping[str, str]) -> ResponseParameters[RosterUser] | None:
    """The request's `attributes` and `excludedAttributes` (RFC 7644 3.9), or None; ScimError 400
    naming the path that is not an attribute."""
    wanted = {name: query[name] for name in ("attributes", "excludedAttributes") if query.get(name)}
    if not wanted:
        return None
    try:
        parameters: ResponseParameters[RosterUser] = ResponseParameters[RosterUser].model_validate(wanted)
    except ValidationError as exc:
        raise ScimError(400, "; ".join(f"{', '.join(str(p) for p in err['loc'])}: {err['msg']}"
                                       for err in exc.errors()), "invalidPath") from None
    return parameters


def response_body(user: RosterUser, parameters: ResponseParameters[RosterUser] | None = None) -> dict[str, object]:
    """A User as a response carries it (RFC 7643 returned-attribute rules, and the request's
    attributes and excludedAttributes, applied)."""
    body: dict[str, object] = user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE,
                                              response_parameters=parameters)
    return body


def _phone(user: RosterUser, kind: str) -> str:
    for phone in user.phone_numbers or []:
        if str(phone.type) == kind and phone.value:
            return str(phone.value)
    return ""


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)
