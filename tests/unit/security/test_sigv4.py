"""Signature Version 4 as the embedded AWS endpoint checks it (roster_local.serve.sigv4): what
botocore signs passes, and what S3 would refuse is refused (issue 18, defect 5)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from roster_local.serve.sigv4 import Arrived, header_signed_refusal, post_form_refusal, presigned_url_refusal

KEY, SECRET = "AKIASTACKKEY0000", "the-stacks-own-secret"
SECRETS = {KEY: SECRET}
HOST = "127.0.0.1:4566"
BUCKET = "roster-local-uploads"
ADMIN_KEY = "uploads/admin@example.nhs.net/0123/staff.csv"


def _s3(key: str = KEY, secret: str = SECRET):
    return boto3.client("s3", region_name="eu-west-2", endpoint_url=f"http://{HOST}",
                        aws_access_key_id=key, aws_secret_access_key=secret)


def _presigned_get(key: str = KEY, secret: str = SECRET, expires: int = 60) -> tuple[Arrived, dict[str, str]]:
    url = _s3(key, secret).generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "results/j/r.csv"},
                                                  ExpiresIn=expires)
    return Arrived("GET", url, {"host": HOST}), dict(parse_qsl(urlsplit(url).query))


def test_a_presigned_url_passes_until_it_expires():
    request, query = _presigned_get()
    now = datetime.now(UTC)

    assert presigned_url_refusal(request, query, SECRETS, now) is None
    assert "expired" in presigned_url_refusal(request, query, SECRETS, now + timedelta(seconds=61))


def test_a_presigned_url_for_another_object_or_with_made_up_keys_is_refused():
    request, query = _presigned_get()
    other = Arrived("GET", request.url.replace("results/j/r.csv", "results/k/r.csv"), request.headers)
    forged, forged_query = _presigned_get(key="FOOBARKEY", secret="FOOBARSECRET")
    guessed, guessed_query = _presigned_get(secret="a-guess")
    now = datetime.now(UTC)

    assert "does not match" in presigned_url_refusal(other, query, SECRETS, now)
    assert "does not know" in presigned_url_refusal(forged, forged_query, SECRETS, now)
    assert "does not match" in presigned_url_refusal(guessed, guessed_query, SECRETS, now)


def _form(secret: str = SECRET, expires: int = 900, key: str = KEY) -> dict[str, str]:
    fields = {"x-amz-meta-uploader": "admin@example.nhs.net", "x-amz-meta-validate-only": "true"}
    conditions = [{name: value} for name, value in fields.items()] + [["content-length-range", 1, 1000]]
    post = _s3(key, secret).generate_presigned_post(BUCKET, ADMIN_KEY, Fields=fields, Conditions=conditions,
                                                    ExpiresIn=expires)
    return dict(post["fields"])


def test_a_presigned_form_posted_as_given_passes():
    assert post_form_refusal(BUCKET, _form(), 10, SECRETS, datetime.now(UTC)) is None


@pytest.mark.parametrize("change, says", [
    ({"key": "uploads/other.admin@example.nhs.net/0123/staff.csv"}, "key"),  # run as another administrator
    ({"x-amz-meta-validate-only": "false"}, "x-amz-meta-validate-only"),  # a validate-only form flipped
    ({"x-amz-meta-uploader": "other.admin@example.nhs.net"}, "x-amz-meta-uploader"),
    ({"x-amz-meta-extra": "1"}, "x-amz-meta-extra"),  # a field the policy does not name
])
def test_a_presigned_form_changed_in_any_field_is_refused(change, says):
    refusal = post_form_refusal(BUCKET, {**_form(), **change}, 10, SECRETS, datetime.now(UTC))

    assert refusal is not None and says in refusal


def test_a_presigned_form_is_refused_for_another_bucket_a_file_too_big_or_none_or_once_expired():
    now = datetime.now(UTC)

    assert "bucket" in post_form_refusal("another-bucket", _form(), 10, SECRETS, now)
    assert "content-length-range" in post_form_refusal(BUCKET, _form(), 1001, SECRETS, now)
    assert "no file" in post_form_refusal(BUCKET, _form(), None, SECRETS, now)
    assert "expired" in post_form_refusal(BUCKET, _form(expires=60), 10, SECRETS, now + timedelta(seconds=61))


def test_a_form_whose_policy_was_rewritten_or_signed_with_made_up_keys_is_refused():
    form = _form()
    policy = json.loads(base64.b64decode(form["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if "key" not in c]
    rewritten = {**form, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    now = datetime.now(UTC)

    assert "does not match" in post_form_refusal(BUCKET, rewritten, 10, SECRETS, now)
    assert "does not know" in post_form_refusal(BUCKET, _form(key="FOOBARKEY", secret="FOOBARSECRET"), 10,
                                                SECRETS, now)
    assert "does not match" in post_form_refusal(BUCKET, _form(secret="a-guess"), 10, SECRETS, now)


def _signed(service: str, body: bytes, secret: str = SECRET) -> Arrived:
    url = f"http://{HOST}/"
    request = AWSRequest(method="POST", url=url, data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSCognitoIdentityProviderService.{service}"})
    SigV4Auth(Credentials(KEY, secret), "cognito-idp", "eu-west-2").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return Arrived("POST", url, {**headers, "host": HOST}, body)


def test_a_call_signed_with_the_stacks_keys_passes_and_any_other_is_refused():
    body = b'{"UserPoolId": "eu-west-2_x", "Username": "a@example.nhs.net", "Password": "x", "Permanent": true}'
    now = datetime.now(UTC)
    signed = _signed("AdminSetUserPassword", body)

    assert header_signed_refusal(signed, SECRETS, now) is None
    assert "does not match" in header_signed_refusal(_signed("AdminSetUserPassword", body, "guess"), SECRETS, now)
    tampered = Arrived(signed.method, signed.url, signed.headers, body.replace(b"a@", b"b@"))
    assert "does not match" in header_signed_refusal(tampered, SECRETS, now)
    assert "15 minutes" in header_signed_refusal(signed, SECRETS, now + timedelta(minutes=16))
    unsigned = Arrived("POST", signed.url, {**signed.headers, "authorization": "AWS4-HMAC-SHA256 nonsense"}, body)
    assert "not a Signature Version 4" in header_signed_refusal(unsigned, SECRETS, now)
