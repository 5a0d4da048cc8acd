"""SCIM tokens and SCIM users in the Directory table (docs/scim.md).

Item keys (pk, sk):
  SCIMTOKEN#<sha256>, TOKEN        a token by its digest: what a request is checked against
  SCIMTOKENID#<id>, TOKEN          the same token by id; gsi1 = (SCIMTOKENS#<ods>, TOKEN#<issued at>#<id>)
  SCIM#<ods>, USER#<id>            a SCIM user of the organisation: its account and the provider's names
  SCIM#<ods>, NAME#<username>      the userName's claim (unique per organisation, case-insensitive)
"""

from __future__ import annotations

from typing import Any

from roster.adapters.dynamodb import from_item, query_all, to_item
from roster.scim.links import LINK_FIELDS, ScimLink, link_key, name_claim_key
from roster.scim.tokens import ScimToken

_TOKEN_FIELDS = ("token_id", "ods", "name", "issued_by", "issued_at", "digest", "revoked_at", "revoked_by")


def _token_by_digest(digest: str) -> dict[str, str]:
    return {"pk": f"SCIMTOKEN#{digest}", "sk": "TOKEN"}


def _token_by_id(token_id: str) -> dict[str, str]:
    return {"pk": f"SCIMTOKENID#{token_id}", "sk": "TOKEN"}


def _token(item: dict[str, Any]) -> ScimToken:
    values: dict[str, Any] = {name: item.get(name) for name in _TOKEN_FIELDS}
    return ScimToken(**values)


def _link(item: dict[str, Any]) -> ScimLink:
    values: dict[str, Any] = {name: item.get(name) for name in LINK_FIELDS}
    return ScimLink(**values)


class ScimStore:
    """The ScimTokens and ScimLinks ports on DynamoDB."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    # -- tokens --------------------------------------------------------------------------
    def add_token(self, token: ScimToken) -> None:
        """Store a new token under its digest and its id, together."""
        fields = {name: getattr(token, name) for name in _TOKEN_FIELDS if getattr(token, name) is not None}
        by_id = {**_token_by_id(token.token_id), **fields, "gsi1pk": f"SCIMTOKENS#{token.ods}",
                 "gsi1sk": f"TOKEN#{token.issued_at}#{token.token_id}"}
        self.dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": to_item({**_token_by_digest(token.digest), **fields}),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": self.table, "Item": to_item(by_id),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])

    def token_by_digest(self, digest: str) -> ScimToken | None:
        """The live token with this digest (a revoked token's digest item is deleted)."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(_token_by_digest(digest)),
                                          ConsistentRead=True)
        return _token(from_item(response["Item"])) if "Item" in response else None

    def token_by_id(self, token_id: str) -> ScimToken | None:
        """A token, revoked or not, by its id."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(_token_by_id(token_id)),
                                          ConsistentRead=True)
        return _token(from_item(response["Item"])) if "Item" in response else None

    def tokens(self, ods: str) -> list[ScimToken]:
        """The organisation's tokens, revoked ones too, oldest first."""
        items = query_all(self.dynamodb, TableName=self.table, IndexName="gsi1",
                          KeyConditionExpression="gsi1pk = :pk",
                          ExpressionAttributeValues=to_item({":pk": f"SCIMTOKENS#{ods.upper()}"}))
        return [_token(item) for item in items]

    def revoke(self, token: ScimToken, revoked_by: str, at: str) -> None:
        """Delete the digest (nothing can authenticate with it from now) and mark the token revoked."""
        self.dynamodb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self.table, "Key": to_item(_token_by_digest(token.digest))}},
            {"Update": {"TableName": self.table, "Key": to_item(_token_by_id(token.token_id)),
                        "UpdateExpression": "SET revoked_at = :at, revoked_by = :by",
                        "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                        "ExpressionAttributeValues": to_item({":at": at, ":by": revoked_by})}},
        ])

    # -- users ---------------------------------------------------------------------------
    def link(self, ods: str, resource_id: str) -> ScimLink | None:
        """One SCIM user of the organisation, deleted ones too."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(link_key(ods, resource_id)),
                                          ConsistentRead=True)
        return _link(from_item(response["Item"])) if "Item" in response else None

    def id_for_user_name(self, ods: str, user_name: str) -> str | None:
        """The id of the user holding this userName in the organisation."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(name_claim_key(ods, user_name)),
                                          ConsistentRead=True)
        return str(from_item(response["Item"])["id"]) if "Item" in response else None

    def links(self, ods: str) -> list[ScimLink]:
        """Every SCIM user of the organisation (deleted ones too), by id."""
        items = query_all(self.dynamodb, TableName=self.table, ConsistentRead=True,
                          KeyConditionExpression="pk = :pk AND begins_with(sk, :user)",
                          ExpressionAttributeValues=to_item({":pk": f"SCIM#{ods.upper()}", ":user": "USER#"}))
        return [_link(item) for item in items]
