"""Administrators' sign-in users in the user pool: one per administrator of the directory,
username = email address, each bound to its administrator by the user's immutable `sub` when it
is created (the API acts as the administrator a token's sub is bound to: docs/security.md).
Creating them again changes nothing."""

from __future__ import annotations

from typing import Any, Protocol


class SubBindings(Protocol):
    """Where the binding of an administrator to their Cognito user is kept (the Directory table)."""

    def bound_sub(self, email: str) -> str | None: ...

    def bind_sub(self, email: str, sub: str) -> None: ...


def invite_administrators(idp: Any, pool_id: str, bindings: SubBindings,
                          emails: list[str]) -> tuple[list[str], list[str]]:
    """Create the missing users, each bound to its administrator; Cognito emails each new one an
    invitation with a temporary password. Returns the addresses invited now, and one message per
    address held by a user this load did not create for that administrator (say, one who claimed a
    future administrator's address): never trusted, never bound, so that nobody is invited silently."""
    invited, refused = [], []
    for email in sorted({e.lower() for e in emails}):
        user = _user(idp, pool_id, email)
        if user is None:
            created = idp.admin_create_user(UserPoolId=pool_id, Username=email, DesiredDeliveryMediums=["EMAIL"],
                                            UserAttributes=_verified_email(email))["User"]
            bindings.bind_sub(email, _sub(created["Attributes"]))
            invited.append(email)
        elif bindings.bound_sub(email) != _sub(user["UserAttributes"]):
            refused.append(f"{email}: the user pool's user {user['Username']} holds this address but was not created "
                           f"for this administrator by roster directory load, so it is not trusted as {email}. "
                           f"Check whose it is, delete it (aws cognito-idp admin-delete-user --user-pool-id "
                           f"{pool_id} --username {user['Username']}) and load again: {email} is then invited.")
    return invited, refused


def create_with_password(idp: Any, pool_id: str, bindings: SubBindings, emails: list[str], password: str) -> None:
    """One machine (`roster local serve`): users that can sign in with `password` at once, no invitation,
    bound to their administrators as directory load binds them."""
    for email in sorted({e.lower() for e in emails}):
        user = _user(idp, pool_id, email)
        if user is None:
            created = idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                            UserAttributes=_verified_email(email))["User"]
            bindings.bind_sub(email, _sub(created["Attributes"]))
        idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)


def _verified_email(email: str) -> list[dict[str, str]]:
    # The directory is the source of the address; the app client may not write it (template.yaml).
    return [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]


def _sub(attributes: list[dict[str, str]]) -> str:
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


def _user(idp: Any, pool_id: str, email: str) -> dict[str, Any] | None:
    try:
        user: dict[str, Any] = idp.admin_get_user(UserPoolId=pool_id, Username=email)
        return user
    except idp.exceptions.UserNotFoundException:
        return None
