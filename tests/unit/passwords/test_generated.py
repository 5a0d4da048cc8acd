"""Generated temporary passwords and scrypt hashing (docs/csv-format.md#generated-values)."""

from collections import Counter

import pytest

from roster.passwords.generated import (
    ALPHABET,
    DIGITS,
    LOWER,
    SYMBOLS,
    UPPER,
    generate_password,
    hash_password,
    verify_password,
)

AMBIGUOUS = set("0O1lI")
FORMULA_STARTS = set("=+-@")


def test_alphabet_has_no_ambiguous_or_csv_unsafe_characters():
    assert not AMBIGUOUS & set(ALPHABET)
    assert not set(ALPHABET) & set("=+-@,;\"' \t\r\n\\<>")
    assert len(set(ALPHABET)) == len(ALPHABET)


@pytest.mark.parametrize("length", [12, 16, 40, 128])
def test_length_and_all_four_classes(length):
    for _ in range(200):
        password = generate_password(length)
        assert len(password) == length
        assert set(password) <= set(ALPHABET)
        for cls in (LOWER, UPPER, DIGITS, SYMBOLS):
            assert set(password) & set(cls), f"{cls!r} missing"
        assert password[0] not in FORMULA_STARTS


def test_default_length_is_16():
    assert len(generate_password()) == 16


@pytest.mark.parametrize("length", [0, 3, 11, 129])
def test_lengths_outside_policy_are_refused(length):
    with pytest.raises(ValueError):
        generate_password(length)


def test_distribution_uses_every_character_and_every_position():
    passwords = [generate_password(16) for _ in range(2000)]
    counts = Counter("".join(passwords))
    # Per password each character is expected 0.23 (letters) to 0.45 (the 4 symbols, one forced) times:
    # 460-910 in 2000.
    assert set(counts) == set(ALPHABET)
    assert min(counts.values()) > 300
    assert max(counts.values()) < 1100
    # The forced one-of-each characters are shuffled in, so any class can come first.
    first_classes = {next(i for i, cls in enumerate((LOWER, UPPER, DIGITS, SYMBOLS)) if p[0] in cls) for p in passwords}
    assert first_classes == {0, 1, 2, 3}
    assert len(set(passwords)) == len(passwords)


def test_hash_format_and_round_trip():
    encoded = hash_password("Correct-Horse-9", 10)
    scheme, cost, r, p, salt, digest = encoded.split("$")
    assert (scheme, cost, r, p) == ("scrypt", "10", "8", "1")
    assert len(salt) == 24 and len(digest) == 44  # base64 of 16 and 32 bytes
    assert verify_password("Correct-Horse-9", encoded)


def test_wrong_password_fails():
    encoded = hash_password("Correct-Horse-9", 10)
    assert not verify_password("Correct-Horse-8", encoded)
    assert not verify_password("", encoded)


def test_salts_differ():
    first, second = hash_password("same", 10), hash_password("same", 10)
    assert first.split("$")[4] != second.split("$")[4]
    assert first != second
    assert verify_password("same", first) and verify_password("same", second)


def test_non_ascii_password_round_trip():
    encoded = hash_password("Zoë-Ødegård-王", 10)
    assert verify_password("Zoë-Ødegård-王", encoded)
    assert not verify_password("Zoe-Odegard-Wang", encoded)


def test_cost_above_openssl_default_memory_limit_works():
    # n = 2**15 needs 32 MiB, above OpenSSL's default maxmem: fails unless maxmem is raised.
    encoded = hash_password("Correct-Horse-9", 15)
    assert verify_password("Correct-Horse-9", encoded)


@pytest.mark.parametrize("cost", [9, 21])
def test_cost_outside_range_is_refused(cost):
    with pytest.raises(ValueError):
        hash_password("x", cost)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "bcrypt$10$8$1$AAAA$AAAA",
        "scrypt$10$8$1$AAAA",
        "scrypt$ten$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$10$16$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$10$8$1$not*base64$AAAA",
        "scrypt$10$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
    ],
)
def test_malformed_hash_is_an_error_not_a_match(encoded):
    with pytest.raises(ValueError):
        verify_password("x", encoded)
