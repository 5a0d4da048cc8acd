"""Envelope encryption of passwords between steps, with a fake KMS (no AWS)."""

import base64
import os

import pytest

from roster.passwords.sealing import SealedValueInvalid, UploadCipher
from tests.unit.fakes import FakeKms


@pytest.fixture
def kms():
    return FakeKms()


def test_create_asks_kms_for_an_aes_256_key_bound_to_the_upload(kms):
    cipher, encrypted_key = UploadCipher.create(kms, "alias/roster", "job-1")
    assert kms.generate_calls == [
        {"KeyId": "alias/roster", "KeySpec": "AES_256", "EncryptionContext": {"roster:job": "job-1"}}
    ]
    assert isinstance(encrypted_key, bytes) and encrypted_key
    assert cipher.upload_id == "job-1"


def test_round_trip_through_the_stored_encrypted_key(kms):
    cipher, encrypted_key = UploadCipher.create(kms, "alias/roster", "job-1")
    token = cipher.seal("Tr0ub4dor&3-Zoë", "line:7:password")
    reopened = UploadCipher.open(kms, encrypted_key, "job-1")
    assert kms.decrypt_calls == [{"EncryptionContext": {"roster:job": "job-1"}}]
    assert reopened.unseal(token, "line:7:password") == "Tr0ub4dor&3-Zoë"


def test_token_is_url_safe_and_hides_the_plaintext(kms):
    cipher, _ = UploadCipher.create(kms, "k", "job-1")
    token = cipher.seal("PlainSecret123!", "p")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    assert "PlainSecret123!" not in token
    assert b"PlainSecret123!" not in base64.urlsafe_b64decode(token)
    assert len(base64.urlsafe_b64decode(token)) == 12 + len("PlainSecret123!") + 16


def test_same_plaintext_seals_differently_each_time(kms):
    cipher, _ = UploadCipher.create(kms, "k", "job-1")
    assert cipher.seal("same", "p") != cipher.seal("same", "p")


def test_a_value_cannot_move_to_another_row(kms):
    cipher, _ = UploadCipher.create(kms, "k", "job-1")
    token = cipher.seal("secret", "line:7:password")
    with pytest.raises(SealedValueInvalid):
        cipher.unseal(token, "line:8:password")


def test_a_value_cannot_move_to_another_upload_even_with_the_same_key(kms):
    cipher, encrypted_key = UploadCipher.create(kms, "k", "job-1")
    token = cipher.seal("secret", "p")
    # Simulate an upload record whose key was copied: the upload id is part of the associated data.
    plaintext_key = kms._keys[encrypted_key][0]
    with pytest.raises(SealedValueInvalid):
        UploadCipher(plaintext_key, "job-2").unseal(token, "p")


def test_the_key_of_one_upload_does_not_open_for_another(kms):
    _, encrypted_key = UploadCipher.create(kms, "k", "job-1")
    with pytest.raises(PermissionError):
        UploadCipher.open(kms, encrypted_key, "job-2")


def test_a_value_sealed_with_another_uploads_key_fails(kms):
    one, _ = UploadCipher.create(kms, "k", "job-1")
    other, _ = UploadCipher.create(kms, "k", "job-1")
    with pytest.raises(SealedValueInvalid):
        other.unseal(one.seal("secret", "p"), "p")


@pytest.mark.parametrize("position", [0, 5, 12, 20, -1])
def test_tampering_with_any_byte_is_detected(kms, position):
    cipher, _ = UploadCipher.create(kms, "k", "job-1")
    raw = bytearray(base64.urlsafe_b64decode(cipher.seal("secret value", "p")))
    raw[position] ^= 0x01
    with pytest.raises(SealedValueInvalid, match="failed authentication"):
        cipher.unseal(base64.urlsafe_b64encode(bytes(raw)).decode(), "p")


@pytest.mark.parametrize("token", ["", "AAAA", "not base64!", "é", base64.urlsafe_b64encode(b"x" * 12).decode()])
def test_garbage_tokens_are_invalid(kms, token):
    cipher, _ = UploadCipher.create(kms, "k", "job-1")
    with pytest.raises(SealedValueInvalid):
        cipher.unseal(token, "p")


def test_ambiguous_upload_and_purpose_split_does_not_match(kms):
    key = os.urandom(32)
    token = UploadCipher(key, "a").seal("secret", "b:c")
    with pytest.raises(SealedValueInvalid):
        UploadCipher(key, "a:b").unseal(token, "c")


def test_repr_does_not_show_the_key(kms):
    key = bytes(range(32))
    assert key.hex() not in repr(UploadCipher(key, "job-1"))
    assert "job-1" in repr(UploadCipher(key, "job-1"))


def test_wrong_key_size_is_refused():
    with pytest.raises(ValueError):
        UploadCipher(os.urandom(16), "job-1")
