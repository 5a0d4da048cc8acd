"""The administrators' user pool on the embedded stack, created from template.yaml.

The pool, its app client and its hosted sign-in domain are created with the template's own
properties (username = email, password policy, invitation, MFA, auth flows), so that
`roster local serve` signs administrators in the way a deployed stack does. moto issues
the tokens, signed with the key it publishes at /<pool id>/.well-known/jwks.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack

# CloudFormation properties of a user pool that the CreateUserPool API takes under the same name.
_POOL_PROPERTIES = ("UsernameAttributes", "UsernameConfiguration", "AutoVerifiedAttributes", "Schema",
                    "AdminCreateUserConfig", "Policies", "AccountRecoverySetting", "DeletionProtection")
# ... and of an app client for CreateUserPoolClient.
_CLIENT_PROPERTIES = ("ClientName", "GenerateSecret", "ExplicitAuthFlows", "AllowedOAuthFlowsUserPoolClient",
                      "AllowedOAuthFlows", "AllowedOAuthScopes", "SupportedIdentityProviders", "CallbackURLs",
                      "LogoutURLs", "PreventUserExistenceErrors", "EnableTokenRevocation", "AccessTokenValidity",
                      "IdTokenValidity", "RefreshTokenValidity", "TokenValidityUnits", "ReadAttributes",
                      "WriteAttributes")


def create_sign_in(stack: EmbeddedStack) -> None:
    """Create every user pool, app client and domain of the template; their ids become the
    stack's physical names (what !Ref gives)."""
    idp = stack.client("cognito-idp")
    for logical, props in stack._resources("AWS::Cognito::UserPool"):
        resolved = stack.resolver.resolve(props)
        pool = idp.create_user_pool(PoolName=resolved["UserPoolName"],
                                    **{k: resolved[k] for k in _POOL_PROPERTIES if k in resolved})["UserPool"]
        stack.names[logical], stack.arns[logical] = pool["Id"], pool["Arn"]
        mfa = resolved.get("MfaConfiguration", "OFF")
        if mfa != "OFF":
            idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration=mfa,
                                         SoftwareTokenMfaConfiguration={"Enabled": True})
    for logical, props in stack._resources("AWS::Cognito::UserPoolClient"):
        resolved = stack.resolver.resolve(props)
        client = idp.create_user_pool_client(UserPoolId=resolved["UserPoolId"],
                                             **_client_arguments(resolved))["UserPoolClient"]
        stack.names[logical] = client["ClientId"]
    for logical, props in stack._resources("AWS::Cognito::UserPoolDomain"):
        resolved = stack.resolver.resolve(props)
        idp.create_user_pool_domain(Domain=resolved["Domain"], UserPoolId=resolved["UserPoolId"])
        stack.names[logical] = resolved["Domain"]


def _client_arguments(resolved: dict[str, Any]) -> dict[str, Any]:
    arguments = {k: resolved[k] for k in _CLIENT_PROPERTIES if k in resolved}
    for name in ("AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity"):
        if name in arguments:
            arguments[name] = int(arguments[name])
    return arguments
