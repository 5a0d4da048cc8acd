"""The embedded stack's AWS endpoint (moto's server mode) answers what a browser asks of it, as AWS
would: the console's calls to Cognito and to the bucket from another origin, sign-out's RevokeToken,
and the user pool's keys for `roster local serve`'s token check. Each test is the contract of one
fix or one assumption in roster_local/serve/aws_endpoint.py: if a moto release changes it, the test
says which."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from roster_local.serve.aws_endpoint import started_endpoint
from roster_local.serve.aws_gate import StackCredentials

pytestmark = pytest.mark.integration

REGION = "eu-west-2"
CONSOLE = "http://127.0.0.1:8123"  # the page's origin under `roster local serve`
ELSEWHERE = "http://127.0.0.1:9999"
EMAIL = "admin@example.nhs.net"
PASSWORD = "Endpoint-Passw0rd!"
BUCKET = "roster-local-uploads-123456789012-eu-west-2"


@dataclass
class Endpoint:
    url: str
    pool_id: str
    client_id: str

    def cognito(self, action: str, body: dict[str, Any], origin: str = CONSOLE) -> requests.Response:
        """An unsigned call to the user pool's JSON API, as the console's cognito.js makes it."""
        return requests.post(self.url + "/", data=json.dumps(body), timeout=30, headers={
            "Origin": origin, "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"})

    def sign_in(self) -> dict[str, Any]:
        answer = self.cognito("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.client_id,
                                               "AuthParameters": {"USERNAME": EMAIL, "PASSWORD": PASSWORD}})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()["AuthenticationResult"]
        return result


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with mock_aws():
        # The stack's own keys: the endpoint answers calls signed with them, and presigned ones.
        stack = StackCredentials.generate()
        os.environ.update(AWS_ACCESS_KEY_ID=stack.access_key_id, AWS_SECRET_ACCESS_KEY=stack.secret_access_key)
        served = started_endpoint(stack)
        try:
            cognito = boto3.client("cognito-idp", region_name=REGION)
            pool_id = cognito.create_user_pool(PoolName="admins", UsernameAttributes=["email"])["UserPool"]["Id"]
            client_id = cognito.create_user_pool_client(
                UserPoolId=pool_id, ClientName="console", GenerateSecret=False,
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
            cognito.admin_create_user(UserPoolId=pool_id, Username=EMAIL, MessageAction="SUPPRESS",
                                      UserAttributes=[{"Name": "email", "Value": EMAIL}])
            cognito.admin_set_user_password(UserPoolId=pool_id, Username=EMAIL, Password=PASSWORD, Permanent=True)
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [
                {"AllowedMethods": ["POST"], "AllowedOrigins": [CONSOLE], "MaxAgeSeconds": 3000}]})
            yield Endpoint(served.url, pool_id, client_id)
        finally:
            served.stop()


def _preflight(url: str, origin: str, headers: str = "") -> requests.Response:
    return requests.options(url, timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        **({"Access-Control-Request-Headers": headers} if headers else {})})


def test_given_the_console_when_it_calls_cognito_then_the_preflight_and_the_call_are_allowed(endpoint):
    preflight = _preflight(endpoint.url + "/", CONSOLE, "content-type,x-amz-target")

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "x-amz-target" in preflight.headers["Access-Control-Allow-Headers"].lower()
    refused = endpoint.cognito("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": endpoint.client_id,
                                                "AuthParameters": {"USERNAME": EMAIL, "PASSWORD": "Wrong-Passw0rd!"}})
    assert refused.status_code == 400 and refused.json()["__type"].endswith("NotAuthorizedException")
    assert refused.headers["Access-Control-Allow-Origin"] == CONSOLE  # so the page can show why


def test_given_a_signed_in_console_when_it_revokes_its_refresh_token_then_the_token_renews_nothing(endpoint):
    tokens = endpoint.sign_in()
    refresh = {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": endpoint.client_id,
               "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}
    assert endpoint.cognito("InitiateAuth", refresh).status_code == 200

    revoked = endpoint.cognito("RevokeToken", {"ClientId": endpoint.client_id, "Token": tokens["RefreshToken"]})

    assert (revoked.status_code, revoked.json()) == (200, {})
    assert revoked.headers["Access-Control-Allow-Origin"] == CONSOLE
    renewal = endpoint.cognito("InitiateAuth", refresh)
    assert renewal.status_code == 400 and renewal.json()["__type"].endswith("NotAuthorizedException")


def test_given_another_client_when_it_revokes_a_token_then_the_token_still_works(endpoint):
    tokens = endpoint.sign_in()

    endpoint.cognito("RevokeToken", {"ClientId": "someone-else", "Token": tokens["RefreshToken"]})

    renewal = endpoint.cognito("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": endpoint.client_id,
                                                "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    assert renewal.status_code == 200


def test_given_the_buckets_cors_rules_then_only_the_origins_they_name_may_post_forms(endpoint):
    form = boto3.client("s3", region_name=REGION, endpoint_url=endpoint.url).generate_presigned_post(
        BUCKET, "uploads/admin@example.nhs.net/u1/staff.csv")

    allowed, elsewhere = _preflight(form["url"], CONSOLE), _preflight(form["url"], ELSEWHERE)

    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert elsewhere.status_code == 403  # as S3 refuses an origin its CORS rules do not name
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("staff.csv", b"Title\r\n")},
                           headers={"Origin": CONSOLE}, timeout=30)
    assert posted.status_code == 204 and posted.headers["Access-Control-Allow-Origin"] == CONSOLE


def test_the_user_pools_keys_are_published_where_a_jwt_authorizer_looks(endpoint):
    answer = requests.get(f"{endpoint.url}/{endpoint.pool_id}/.well-known/jwks.json", timeout=30)

    assert answer.status_code == 200 and answer.json()["keys"][0]["kty"] == "RSA"
