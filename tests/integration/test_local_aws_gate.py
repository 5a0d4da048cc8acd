"""`roster local serve`'s embedded AWS endpoint answers only what a browser gets from AWS, and
calls signed with the stack's own keys (issue 18, defect 5; docs/security.md): over HTTP, the
attacks of the review refused, the browser's and the engineer's calls answered."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws

from roster_local.serve.aws_endpoint import started_endpoint
from roster_local.serve.aws_gate import PROFILE, StackCredentials, engineer_profile

pytestmark = pytest.mark.integration

REGION = "eu-west-2"
BUCKET = "roster-local-uploads-123456789012-eu-west-2"
ADMIN, OTHER = "admin@example.nhs.net", "other.admin@example.nhs.net"
PASSWORD = "Endpoint-Passw0rd!"
STACK = StackCredentials.generate()


@dataclass
class Endpoint:
    url: str
    pool_id: str
    client_id: str

    def s3(self, key: str = STACK.access_key_id, secret: str = STACK.secret_access_key) -> Any:
        return boto3.client("s3", region_name=REGION, endpoint_url=self.url, aws_access_key_id=key,
                            aws_secret_access_key=secret)

    def cognito(self, key: str = STACK.access_key_id, secret: str = STACK.secret_access_key) -> Any:
        return boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.url, aws_access_key_id=key,
                            aws_secret_access_key=secret)

    def unsigned(self, action: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(self.url + "/", data=json.dumps(body), timeout=30, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with mock_aws():
        os.environ.update(AWS_ACCESS_KEY_ID=STACK.access_key_id, AWS_SECRET_ACCESS_KEY=STACK.secret_access_key)
        served = started_endpoint(STACK)
        try:
            idp = boto3.client("cognito-idp", region_name=REGION)
            pool_id = idp.create_user_pool(PoolName="admins", UsernameAttributes=["email"])["UserPool"]["Id"]
            client_id = idp.create_user_pool_client(
                UserPoolId=pool_id, ClientName="console", GenerateSecret=False,
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
            for email in (ADMIN, OTHER):
                idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                                      UserAttributes=[{"Name": "email", "Value": email}])
                idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
            s3.put_object(Bucket=BUCKET, Key="results/j1/staff-results.csv", Body=b"Temporary Password\r\nSecret1!\r\n")
            yield Endpoint(served.url, pool_id, client_id)
        finally:
            served.stop()


def _refused(call: Any) -> None:
    with pytest.raises(ClientError) as refused:
        call()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_given_made_up_keys_then_results_cannot_be_read(endpoint):
    _refused(lambda: endpoint.s3("FOOBARKEY", "FOOBARSECRET").get_object(Bucket=BUCKET,
                                                                        Key="results/j1/staff-results.csv"))
    unsigned = requests.get(f"{endpoint.url}/{BUCKET}/results/j1/staff-results.csv", timeout=30)
    assert unsigned.status_code == 403 and b"Secret1!" not in unsigned.content


def test_given_made_up_keys_then_no_administrators_password_can_be_set(endpoint):
    _refused(lambda: endpoint.cognito("FOOBARKEY", "FOOBARSECRET").admin_set_user_password(
        UserPoolId=endpoint.pool_id, Username=OTHER, Password="Taken-Over-Passw0rd!", Permanent=True))
    unsigned = endpoint.unsigned("AdminSetUserPassword", {"UserPoolId": endpoint.pool_id, "Username": OTHER,
                                                          "Password": "Taken-Over-Passw0rd!", "Permanent": True})
    assert unsigned.status_code == 403
    assert endpoint.unsigned("InitiateAuth", {
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": endpoint.client_id,
        "AuthParameters": {"USERNAME": OTHER, "PASSWORD": "Taken-Over-Passw0rd!"}}).status_code == 400


def test_given_a_form_for_one_administrator_then_it_cannot_be_posted_under_anothers_key(endpoint):
    fields = {"x-amz-meta-uploader": ADMIN, "x-amz-meta-validate-only": "true"}
    form = endpoint.s3().generate_presigned_post(
        BUCKET, f"uploads/{ADMIN}/u1/staff.csv", Fields=fields,
        Conditions=[*({k: v} for k, v in fields.items()), ["content-length-range", 1, 1000]])
    stolen = {**form["fields"], "key": f"uploads/{OTHER}/u1/staff.csv", "x-amz-meta-uploader": OTHER}

    reposted = requests.post(form["url"], data=stolen, files={"file": ("staff.csv", b"Title\r\n")}, timeout=30)
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("staff.csv", b"Title\r\n")}, timeout=30)

    assert reposted.status_code == 403
    assert posted.status_code == 204  # the form as given, as the browser posts it
    with pytest.raises(ClientError, match="404"):
        endpoint.s3().head_object(Bucket=BUCKET, Key=f"uploads/{OTHER}/u1/staff.csv")
    assert endpoint.s3().head_object(Bucket=BUCKET, Key=f"uploads/{ADMIN}/u1/staff.csv")["ContentLength"] == 7


def test_a_presigned_link_works_and_the_same_link_altered_does_not(endpoint):
    link = endpoint.s3().generate_presigned_url("get_object", ExpiresIn=60,
                                                Params={"Bucket": BUCKET, "Key": "results/j1/staff-results.csv"})

    assert requests.get(link, timeout=30).content.endswith(b"Secret1!\r\n")
    assert requests.get(link.replace("results/j1", "results/j2"), timeout=30).status_code == 403


def test_the_browsers_sign_in_is_answered_and_other_unsigned_calls_of_cognito_are_not(endpoint):
    signed_in = endpoint.unsigned("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": endpoint.client_id,
                                                   "AuthParameters": {"USERNAME": ADMIN, "PASSWORD": PASSWORD}})
    access = signed_in.json()["AuthenticationResult"]["AccessToken"]

    # The app client may not write an address (template.yaml WriteAttributes); moto does not know that rule.
    rewrite = endpoint.unsigned("UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [
        {"Name": "email", "Value": OTHER}]})

    assert signed_in.status_code == 200 and rewrite.status_code == 403
    assert endpoint.unsigned("ListUsers", {"UserPoolId": endpoint.pool_id}).status_code == 403


def test_the_engineers_profile_is_theirs_alone_and_its_keys_are_answered(endpoint, tmp_path):
    profile = engineer_profile(tmp_path / "aws-config", STACK, REGION, endpoint.url)

    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    os.environ["AWS_CONFIG_FILE"] = str(profile)
    try:
        session = boto3.Session(profile_name=PROFILE)
        users = session.client("cognito-idp").list_users(UserPoolId=endpoint.pool_id)["Users"]
        body = session.client("s3").get_object(Bucket=BUCKET, Key="results/j1/staff-results.csv")["Body"].read()
    finally:
        del os.environ["AWS_CONFIG_FILE"]
    assert len(users) == 2 and body.endswith(b"Secret1!\r\n")
