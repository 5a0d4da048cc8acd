"""Contracts of the moto behaviour the embedded stack's IAM check relies on
(roster_local.moto_patches.presigned_use, .state_machine_clients, stack.roles.ciphertext_key):
each fails if moto changes what the patch or the reading expects."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from roster_local import moto_patches
from roster_local.moto_patches import presigned_use, state_machine_clients
from roster_local.stack.embedded_stack import REGION
from roster_local.stack.roles import ciphertext_key


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        moto_patches.apply()
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="roster-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


class Refuse:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, str]] = []

    def check_presigned_use(self, signature: str, operation: str, bucket: str, key: str,
                            version: str | None) -> str | None:
        self.seen.append((signature, operation, bucket, key))
        return "not allowed"


def test_a_presigned_get_and_a_posted_form_reach_the_checker_with_their_signature(s3: Any) -> None:
    s3.put_object(Bucket="roster-bucket", Key="results/r.csv", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "roster-bucket", "Key": "results/r.csv"})
    form = s3.generate_presigned_post("roster-bucket", "uploads/f.csv")
    checker = Refuse()
    presigned_use.check_with(checker)
    try:
        got = requests.get(url, timeout=10)
        posted = requests.post(form["url"], data=form["fields"], files={"file": ("f.csv", b"a,b\n")}, timeout=10)
    finally:
        presigned_use.check_with(None)

    assert got.status_code == 403 and b"AccessDenied" in got.content
    assert posted.status_code == 403
    assert [(op, bucket, key) for _, op, bucket, key in checker.seen] == [
        ("GetObject", "roster-bucket", "results/r.csv"), ("PutObject", "roster-bucket", "uploads/f.csv")]
    assert checker.seen[0][0] == url.split("X-Amz-Signature=")[1] and checker.seen[1][0] == form["fields"][
        "x-amz-signature"]
    assert "uploads/f.csv" not in {o["Key"] for o in s3.list_objects_v2(Bucket="roster-bucket").get("Contents", [])}


def test_with_no_checker_moto_serves_presigned_requests_as_before(s3: Any) -> None:
    s3.put_object(Bucket="roster-bucket", Key="k", Body=b"x")

    got = requests.get(s3.generate_presigned_url("get_object", Params={"Bucket": "roster-bucket", "Key": "k"}), timeout=10)

    assert got.status_code == 200 and got.content == b"x"


def test_the_interpreter_makes_its_clients_with_boto_client_for() -> None:
    """The Lambda task and the S3 ItemReader still call boto_client_for by the name the patch replaces."""
    moto_patches.apply()
    import importlib

    for name in state_machine_clients.USERS:
        module = importlib.import_module(name)
        assert module.boto_client_for is state_machine_clients.boto_client_for, name
        assert "boto_client_for(" in inspect.getsource(module), name
    signature = inspect.signature(state_machine_clients.MOTO_BOTO_CLIENT_FOR)
    assert list(signature.parameters)[:2] == ["region", "service"]


def test_a_client_of_the_interpreter_marks_its_calls() -> None:
    with mock_aws():
        moto_patches.apply()
        client = state_machine_clients.boto_client_for(region=REGION, service="s3")
        seen: list[bool] = []
        client.meta.events.register("before-parameter-build",
                                    lambda context, **_: seen.append(bool(context.get("roster_state_machine"))))
        client.list_buckets()

    assert seen == [True]


def test_moto_kms_ciphertext_names_its_key() -> None:
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.generate_data_key(KeyId=key, KeySpec="AES_256")["CiphertextBlob"]

        assert ciphertext_key(blob) == key
        assert ciphertext_key(b"short") is None
