"""Envelope encryption of passwords held between steps: sealed with a per-upload KMS data key.

Plain-text passwords are never stored; generated and supplied ones stay sealed until the
results file is built. KMS comes in as the KeyService port (the boto3 client in Lambda, a
fake in unit tests)."""

from __future__ import annotations

import base64
import binascii
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from roster.errors import RosterError
from roster.ports import KeyService

_NONCE_BYTES = 12
_KEY_BYTES = 32
_CONTEXT_KEY = "roster:job"


class SealedValueInvalid(RosterError):
    """A sealed value failed authentication: tampered with, truncated, or sealed for another upload or purpose."""


def _encryption_context(upload_id: str) -> dict[str, str]:
    # KMS binds the data key to its upload: the key of one upload cannot be decrypted for another.
    return {_CONTEXT_KEY: upload_id}


class UploadCipher:
    """AES-256-GCM with one upload's data key; the key itself is only ever held in memory."""

    __slots__ = ("_aead", "upload_id")

    def __init__(self, data_key: bytes, upload_id: str) -> None:
        if len(data_key) != _KEY_BYTES:
            raise ValueError("an upload data key must be 32 bytes (AES-256)")
        if not upload_id:
            raise ValueError("an upload cipher needs the upload id")
        self._aead = AESGCM(data_key)
        self.upload_id = upload_id

    def __repr__(self) -> str:
        return f"JobCipher(job_id={self.upload_id!r})"

    @classmethod
    def create(cls, kms: KeyService, key_id: str, upload_id: str) -> tuple[UploadCipher, bytes]:
        """A new data key for an upload: the cipher and the encrypted key to store on the upload record."""
        response = kms.generate_data_key(
            KeyId=key_id, KeySpec="AES_256", EncryptionContext=_encryption_context(upload_id)
        )
        return cls(response["Plaintext"], upload_id), response["CiphertextBlob"]

    @classmethod
    def open(cls, kms: KeyService, encrypted_key: bytes, upload_id: str) -> UploadCipher:
        """The cipher of an upload, from the encrypted data key stored on its record."""
        response = kms.decrypt(CiphertextBlob=encrypted_key, EncryptionContext=_encryption_context(upload_id))
        return cls(response["Plaintext"], upload_id)

    @classmethod
    def of_upload(cls, kms: KeyService, recorded_key: str | None, upload_id: str) -> UploadCipher:
        """The cipher of an upload, from the data key recorded on it (base64, as UploadRecords keeps it)."""
        return cls.open(kms, base64.b64decode(recorded_key or ""), upload_id)

    def _associated_data(self, purpose: str) -> bytes:
        # JSON keeps upload id and purpose unambiguous: ("a", "b:c") and ("a:b", "c") differ.
        return json.dumps([self.upload_id, purpose], separators=(",", ":")).encode("utf-8")

    def seal(self, plaintext: str, purpose: str) -> str:
        """Encrypt `plaintext` for this upload and purpose: url-safe base64 of nonce + ciphertext."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), self._associated_data(purpose))
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def unseal(self, token: str, purpose: str) -> str:
        """Decrypt a value sealed for this upload and purpose; SealedValueInvalid on any mismatch."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise SealedValueInvalid(f"sealed value for {purpose!r} is not valid base64") from exc
        if len(raw) <= _NONCE_BYTES:
            raise SealedValueInvalid(f"sealed value for {purpose!r} is truncated")
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        try:
            plaintext = self._aead.decrypt(nonce, sealed, self._associated_data(purpose))
        except InvalidTag as exc:
            raise SealedValueInvalid(
                f"sealed value for {purpose!r} failed authentication "
                "(tampered, or sealed for another upload or purpose)"
            ) from exc
        return plaintext.decode("utf-8")
