"""What a SCIM client discovers (RFC 7644 4): /ServiceProviderConfig, /ResourceTypes and /Schemas,
built by scim2-models from the very models the Users endpoint uses (docs/scim.md#discovery)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Meta,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

from roster.scim.errors import ScimError
from roster.scim.listing import LIST_RESPONSE, MAX_COUNT
from roster.scim.resources import RosterAccount, RosterUser

_QUERY = Context.RESOURCE_QUERY_RESPONSE


def service_provider_config(base_url: str) -> dict[str, Any]:
    """PATCH and filter supported; no bulk, sort, ETag or password change; bearer tokens."""
    config = ServiceProviderConfig(
        patch=Patch(supported=True), bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT), change_password=ChangePassword(supported=False),
        sort=Sort(supported=False), etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken, name="Roster SCIM token", primary=True,
            description="A bearer token an administrator issued for one organisation (roster scim token).")],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base_url}/ServiceProviderConfig"),
    )
    body: dict[str, Any] = config.model_dump(scim_ctx=_QUERY)
    return body


def resource_types(base_url: str) -> dict[str, Any]:
    """The one resource type, User, as a ListResponse."""
    return _listed([_resource_type(base_url)])


def resource_type(base_url: str, name: str) -> dict[str, Any]:
    """/ResourceTypes/User."""
    if name != "User":
        raise ScimError(404, f"There is no resource type {name}; Roster serves User only.")
    return _resource_type(base_url)


def schemas(base_url: str) -> dict[str, Any]:
    """The User schema and its two extensions, as a ListResponse."""
    return _listed([_schema(base_url, schema) for schema in _schemas().values()])


def schema(base_url: str, schema_id: str) -> dict[str, Any]:
    """/Schemas/{id}."""
    found = _schemas().get(schema_id)
    if found is None:
        raise ScimError(404, f"There is no schema {schema_id}.")
    return _schema(base_url, found)


def _resource_type(base_url: str) -> dict[str, Any]:
    resource = ResourceType.from_resource(RosterUser)
    resource.meta = Meta(resource_type="ResourceType", location=f"{base_url}/ResourceTypes/User")
    body: dict[str, Any] = resource.model_dump(scim_ctx=_QUERY)
    return body


@lru_cache(maxsize=1)
def _schemas() -> dict[str, Schema]:
    found = [User.to_schema(), EnterpriseUser.to_schema(), RosterAccount.to_schema()]
    return {str(item.id): item for item in found}


def _schema(base_url: str, item: Schema) -> dict[str, Any]:
    located = item.model_copy(update={"meta": Meta(resource_type="Schema", location=f"{base_url}/Schemas/{item.id}")})
    body: dict[str, Any] = located.model_dump(scim_ctx=_QUERY)
    return body


def _listed(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schemas": [LIST_RESPONSE], "totalResults": len(resources), "startIndex": 1,
            "itemsPerPage": len(resources), "Resources": resources}
