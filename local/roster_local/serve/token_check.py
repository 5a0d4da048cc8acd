"""Tokens checked as the HTTP API's JWT authorizer checks them: signed by a key the user pool
publishes (its JWKS), issued by the pool, for the app client (`aud`, or `client_id` for an
access token), not expired. What the token is used for is the function's business."""

from __future__ import annotations

from typing import Any

import jwt
from jwt import PyJWKClient


class TokenRefused(Exception):
    """The authorizer would answer 401."""


class JwtAuthorizer:
    """One authorizer: issuer, audience, and where the issuer's keys are published."""

    def __init__(self, issuer: str, audience: list[str], jwks_url: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = PyJWKClient(jwks_url, cache_keys=True)

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of `Authorization: Bearer <token>` (a bare token is accepted, as AWS does)."""
        token = (authorization or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            raise TokenRefused("no token")
        try:
            key = self.keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"], issuer=self.issuer,
                                                options={"verify_aud": False, "require": ["exp", "iss"]})
        except jwt.PyJWTError as exc:
            raise TokenRefused(str(exc)) from exc
        if claims.get("aud", claims.get("client_id")) not in self.audience:
            raise TokenRefused("the token is for another client")
        return claims
