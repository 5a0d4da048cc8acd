"""A SCIM user: the identity provider's userName and externalId, linked to one Roster account
in the token's organisation (docs/scim.md#resources). The id is derived from the organisation
and the userName a user was created with, so a retried create names the same resource."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from roster.model.writes import DirectoryItem, DirectoryItemRemoval

LINK_FIELDS = ("id", "ods", "email", "user_name", "external_id", "created_at", "deleted_at")
_NAMESPACE = uuid.UUID("6f1c2b8e-52c4-4a43-9a57-7d8f3c2a9e10")


@dataclass(frozen=True)
class ScimLink:
    """One SCIM user of one organisation. `deleted_at`: gone for SCIM after a DELETE (404)."""

    id: str
    ods: str
    email: str
    user_name: str
    external_id: str | None
    created_at: str
    deleted_at: str | None = None

    def renamed(self, user_name: str, external_id: str | None) -> ScimLink:
        """The same link under the identity provider's new userName or externalId."""
        return replace(self, user_name=user_name, external_id=external_id)


def resource_id(ods: str, user_name: str) -> str:
    """The id of the user created in `ods` as `user_name`."""
    return str(uuid.uuid5(_NAMESPACE, f"{ods.upper()}\n{name_key(user_name)}"))


def name_key(user_name: str) -> str:
    """userName is unique per organisation, compared case-insensitively (RFC 7643 4.1.1)."""
    return user_name.strip().casefold()


def link_key(ods: str, resource_id: str) -> dict[str, str]:
    """The key of a SCIM user's item."""
    return {"pk": f"SCIM#{ods.upper()}", "sk": f"USER#{resource_id}"}


def name_claim_key(ods: str, user_name: str) -> dict[str, str]:
    """The key of a userName's claim."""
    return {"pk": f"SCIM#{ods.upper()}", "sk": f"NAME#{name_key(user_name)}"}


def link_write(link: ScimLink, *, new: bool) -> DirectoryItem:
    """The write that stores a link (a new one only if its id is free)."""
    fields = {name: getattr(link, name) for name in LINK_FIELDS if getattr(link, name) is not None}
    return DirectoryItem(item={**link_key(link.ods, link.id), **fields}, if_absent=new)


def name_claim_write(link: ScimLink) -> DirectoryItem:
    """The write that claims a userName for a link; refused when another user holds it."""
    return DirectoryItem(item={**name_claim_key(link.ods, link.user_name), "id": link.id}, if_absent=True)


def name_release_write(ods: str, user_name: str) -> DirectoryItemRemoval:
    """The write that gives up a userName (renamed, or the user deleted)."""
    return DirectoryItemRemoval(key=name_claim_key(ods, user_name))
