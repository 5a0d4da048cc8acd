"""Administrators' sign-in users in the user pool: one per administrator of the directory,
username = email address. Creating them again changes nothing."""

from __future__ import annotations

from typing import Any


def invite_administrators(idp: Any, pool_id: str, emails: list[str]) -> list[str]:
    """Create the missing users; Cognito emails each new one an invitation with a temporary
    password. Returns the addresses invited now (existing users are left as they are)."""
    invited = []
    for email in sorted({e.lower() for e in emails}):
        if _exists(idp, pool_id, email):
            continue
        idp.admin_create_user(UserPoolId=pool_id, Username=email, DesiredDeliveryMediums=["EMAIL"],
                              UserAttributes=_verified_email(email))
        invited.append(email)
    return invited


def create_with_password(idp: Any, pool_id: str, emails: list[str], password: str) -> None:
    """One machine (`roster local serve`): users that can sign in with `password` at once, no invitation."""
    for email in sorted({e.lower() for e in emails}):
        if not _exists(idp, pool_id, email):
            idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                  UserAttributes=_verified_email(email))
        idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)


def _verified_email(email: str) -> list[dict[str, str]]:
    # The directory is the source of the address: the API trusts the token's email claim.
    return [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]


def _exists(idp: Any, pool_id: str, email: str) -> bool:
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=email)
        return True
    except idp.exceptions.UserNotFoundException:
        return False
