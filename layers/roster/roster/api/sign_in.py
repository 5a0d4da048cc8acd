"""What a client needs to sign in (`GET /config`), and where the console's page may connect."""

from __future__ import annotations

from typing import Any

from roster.api.uploads import FORM_SECONDS
from roster.settings import Settings


def cognito_endpoint(cognito: Any) -> str:
    """The user pool's API as this function's own Cognito client reaches it: AWS's regional endpoint,
    or the embedded stack's under `roster local serve` (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)."""
    return str(cognito.meta.endpoint_url).rstrip("/") + "/"


def sign_in_config(settings: Settings, cognito: Any) -> dict[str, Any]:
    """What a client needs to sign in (GET /config): the console calls Cognito at `cognito_endpoint`."""
    region = cognito.meta.region_name
    return {
        "region": region,
        "user_pool_id": settings.user_pool_id,
        "client_id": settings.user_pool_client_id,
        "issuer": f"https://cognito-idp.{region}.amazonaws.com/{settings.user_pool_id}",
        "cognito_endpoint": cognito_endpoint(cognito),
        "sign_in_url": f"https://{settings.sign_in_domain}" if settings.sign_in_domain else None,
        "token": "Send the ID token of a sign-in as 'Authorization: Bearer <token>'.",
        "max_upload_bytes": settings.max_upload_bytes,
        "form_seconds": FORM_SECONDS,
    }
