"""The eleven kinds of bad token of the review, refused (issue 18, "Held"): by the JWT authorizer as
`roster local serve` runs it (roster_local.serve.token_check, API Gateway's rules), and, for an
access token, by the API itself (roster.api.access)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from roster.api.access import signed_in_user
from roster.api.errors import NotSignedIn
from roster_local.serve.token_check import JwtAuthorizer, TokenRefused

ISSUER = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_pool"
CLIENT = "console-client"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "pool-key", "alg": "RS256",
       "use": "sig"}


def _authorizer() -> JwtAuthorizer:
    authorizer = JwtAuthorizer(ISSUER, [CLIENT], "http://127.0.0.1:1/eu-west-2_pool/.well-known/jwks.json")
    authorizer.keys.fetch_data = lambda: {"keys": [JWK]}  # type: ignore[method-assign] - the pool's published keys
    return authorizer


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "user-sub", "email": "admin@example.nhs.net", "email_verified": True, "token_use": "id",
            "iss": ISSUER, "aud": CLIENT, "iat": now, "exp": now + 900, **changes}


def _token(claims: dict[str, Any] | None = None, key: Any = KEY, kid: str = "pool-key") -> str:
    return jwt.encode(claims or _claims(), key, algorithm="RS256", headers={"kid": kid})


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _tampered() -> str:
    header, _, signature = _token().split(".")
    return f"{header}.{_b64(_claims(email='other.admin@example.nhs.net', sub='other-sub'))}.{signature}"


def _hs256_with_the_public_key() -> str:
    public = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "pool-key"})
    body = _b64(_claims())
    signature = base64.urlsafe_b64encode(hmac.new(public, f"{header}.{body}".encode(), hashlib.sha256).digest())
    return f"{header}.{body}.{signature.decode().rstrip('=')}"


BAD = {
    "none": lambda: None,
    "garbage": lambda: "Bearer not-a-token",
    "alg none": lambda: "Bearer " + f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'pool-key'})}.{_b64(_claims())}.",
    "tampered": lambda: "Bearer " + _tampered(),
    "expired": lambda: "Bearer " + _token(_claims(exp=int(time.time()) - 60)),
    "unknown key": lambda: "Bearer " + _token(key=STRANGER_KEY, kid="someone-elses-key"),
    "known kid, other key": lambda: "Bearer " + _token(key=STRANGER_KEY),
    "HS256 with the public key": lambda: "Bearer " + _hs256_with_the_public_key(),
    "Basic": lambda: "Basic " + base64.b64encode(b"admin@example.nhs.net:Passw0rd!").decode(),
    "trailing text": lambda: "Bearer " + _token() + " and-more",
    "other pool": lambda: "Bearer " + _token(_claims(iss=ISSUER.replace("_pool", "_other"))),
    "other client": lambda: "Bearer " + _token(_claims(aud="another-client")),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_token_is_refused_by_the_authorizer(kind):
    with pytest.raises(TokenRefused):
        _authorizer().claims(BAD[kind]())


def test_a_good_id_token_passes_and_an_access_token_is_refused_by_the_api():
    authorizer = _authorizer()
    access = _claims(token_use="access", client_id=CLIENT)
    del access["aud"]

    assert signed_in_user(authorizer.claims("Bearer " + _token())).sub == "user-sub"
    with pytest.raises(NotSignedIn, match="ID token"):
        signed_in_user(authorizer.claims("Bearer " + _token(access)))
