"""SCIM errors (RFC 7644 3.12): a status, a scimType where the RFC names one, and a detail an
administrator can act on."""

from __future__ import annotations

from roster.errors import RosterError


class ScimError(RosterError):
    """A request the SCIM service refuses."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, object]:
        """The Error message's JSON."""
        body: dict[str, object] = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                                   "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def not_found(resource_id: str) -> ScimError:
    """The user does not exist for this token (another organisation's, deleted, or never made)."""
    return ScimError(404, f"There is no User {resource_id} in this token's organisation.")


def user_name_taken(user_name: str) -> ScimError:
    """RFC 7644 3.3: a POST (or rename) to a userName another user of the organisation holds."""
    return ScimError(409, f"userName {user_name!r} is already a User of this organisation; find it with "
                     f'filter=userName eq "{user_name}" and update it instead.', "uniqueness")
