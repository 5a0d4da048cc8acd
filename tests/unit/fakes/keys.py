"""KMS in memory: the KeyService port (roster.ports), whose adapter is the boto3 KMS client."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError


class InvalidCiphertextException(ClientError, PermissionError):  # noqa: N818 - KMS's name
    """What the boto3 KMS client raises when a blob is decrypted with another encryption context
    (a ClientError with that code; a PermissionError too, which is what it means)."""

    def __init__(self) -> None:
        super().__init__({"Error": {"Code": "InvalidCiphertextException", "Message": ""}}, "Decrypt")


class FakeKms:
    """KeyService: data keys bound to their encryption context, as KMS binds them; each call recorded."""

    def __init__(self) -> None:
        self._keys: dict[bytes, tuple[bytes, dict[str, str]]] = {}
        self.generate_calls: list[dict[str, Any]] = []
        self.decrypt_calls: list[dict[str, Any]] = []

    def generate_data_key(self, *, KeyId: str, KeySpec: str,  # noqa: N803 - KMS's names
                          EncryptionContext: Mapping[str, str]) -> dict[str, Any]:
        self.generate_calls.append({"KeyId": KeyId, "KeySpec": KeySpec, "EncryptionContext": EncryptionContext})
        plaintext, blob = os.urandom(32), os.urandom(48)
        self._keys[blob] = (plaintext, dict(EncryptionContext))
        return {"Plaintext": plaintext, "CiphertextBlob": blob, "KeyId": KeyId}

    def decrypt(self, *, CiphertextBlob: bytes, EncryptionContext: Mapping[str, str]) -> dict[str, Any]:  # noqa: N803
        self.decrypt_calls.append({"EncryptionContext": EncryptionContext})
        plaintext, context = self._keys.get(CiphertextBlob, (b"", None))
        if context != dict(EncryptionContext):
            raise InvalidCiphertextException()
        return {"Plaintext": plaintext}
