"""What the KeyService port keeps (roster.ports.KeyService): a data key opens only with the
encryption context it was made for. Run here on FakeKms, and on KMS (the boto3 client, moto)
by tests/integration/test_port_contracts.py."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from roster.ports import KeyService
from tests.unit.fakes import FakeKms


@pytest.fixture
def kms() -> KeyService:
    return FakeKms()


@pytest.fixture
def key_id() -> str:
    return "alias/roster"


def test_given_a_data_key_when_decrypted_with_its_context_then_its_plaintext_comes_back(kms: KeyService, key_id: str) -> None:
    made = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext={"roster:job": "job-1"})

    opened = kms.decrypt(CiphertextBlob=made["CiphertextBlob"], EncryptionContext={"roster:job": "job-1"})

    assert len(made["Plaintext"]) == 32 and opened["Plaintext"] == made["Plaintext"]
    assert made["CiphertextBlob"] != made["Plaintext"]


def test_given_a_data_key_when_decrypted_for_another_upload_then_kms_refuses(kms: KeyService, key_id: str) -> None:
    made = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext={"roster:job": "job-1"})

    with pytest.raises(ClientError) as refused:
        kms.decrypt(CiphertextBlob=made["CiphertextBlob"], EncryptionContext={"roster:job": "job-2"})

    assert refused.value.response["Error"]["Code"] == "InvalidCiphertextException"
