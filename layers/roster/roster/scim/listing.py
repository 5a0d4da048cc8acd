"""GET /Users: filter, startIndex and count (RFC 7644 3.4.2), for one token's organisation.

`userName eq "..."` (what Entra and Okta send before a create) is one read of the userName's
claim; any other filter is evaluated by scim2-models on the organisation's SCIM users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scim2_models import SCIMException, ScimFilter
from scim2_models.path import Comparison

from roster.scim.errors import ScimError
from roster.scim.resources import RosterUser, response_body, response_parameters

if TYPE_CHECKING:
    from roster.scim.service import ScimUsers

DEFAULT_COUNT = 100
MAX_COUNT = 200  # ServiceProviderConfig's filter.maxResults
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def list_users(users: ScimUsers, query: Mapping[str, str]) -> dict[str, Any]:
    """The ListResponse of a GET /Users."""
    start, count = _paging(query)
    expression = (query.get("filter") or "").strip()
    scim_filter = _filter(expression) if expression else None
    user_name = _user_name_equals(scim_filter)
    if user_name is not None:
        found = users.links.id_for_user_name(users.ods, user_name)
        link = users.links.link(users.ods, found) if found else None
        candidates = users.visible_users([link] if link else [])
    else:
        candidates = users.visible_users(sorted(users.links.links(users.ods), key=lambda link: link.created_at))
    matched = [user for user in candidates if scim_filter is None or scim_filter.match(user)]
    page = matched[start - 1:start - 1 + count]
    parameters = response_parameters(query)
    return {"schemas": [LIST_RESPONSE], "totalResults": len(matched), "startIndex": start,
            "itemsPerPage": len(page), "Resources": [response_body(user, parameters) for user in page]}


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    """startIndex (1-based; below 1 is 1) and count (negative is 0, capped at MAX_COUNT)."""
    try:
        start = max(1, int(query.get("startIndex") or 1))
        count = min(MAX_COUNT, max(0, int(query.get("count") or DEFAULT_COUNT)))
    except ValueError:
        raise ScimError(400, "startIndex and count must be whole numbers.", "invalidValue") from None
    return start, count


def _filter(expression: str) -> ScimFilter[RosterUser]:
    try:
        return ScimFilter[RosterUser](expression)
    except (SCIMException, ValueError, TypeError) as exc:
        raise ScimError(400, f"The filter {expression!r} is not a SCIM filter Roster understands: {exc}",
                        "invalidFilter") from None


def _user_name_equals(scim_filter: ScimFilter[RosterUser] | None) -> str | None:
    """The value of a filter that is exactly `userName eq "..."`."""
    node = scim_filter.ast if scim_filter is not None else None
    if (isinstance(node, Comparison) and str(node.op) == "eq"
            and str(node.attr_path).casefold() == "username" and isinstance(node.value, str)):
        return node.value
    return None
