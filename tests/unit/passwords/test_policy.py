"""The supplied-password policy (docs/csv-format.md#current-format)."""

from __future__ import annotations

import pytest

from roster.passwords.policy import character_kinds, check_password, is_common_password
from roster.rules import InvalidCell

NAMES = ("Jonathan", "Smith")


@pytest.mark.parametrize(
    "password",
    [
        "Xk9#mQ2$vL7!pR",
        "correct Horse battery staple",  # lower, upper, symbol (space)
        "lowercase and digits 123",  # lower, digit, symbol (space): three kinds are enough
        "Tr0ub4dor&3-Quartz",
        "MonkeyDragon12!",  # two words: neither root alone is the whole password
        "a" * 60 + "B1",
        "Zq482!vK5521#m",
        "Ünïcödé-Pässwort-42",
        "x" * 125 + "Y1!",  # 128 characters
    ],
)
def test_good_passwords(password: str) -> None:
    check_password(password, "Password", NAMES)


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Short1!a", "has 8 characters; give 12 to 128"),
        ("x" * 126 + "Y1!", "has 129 characters"),
        ("alllowercaseletters", "uses 1 of the four kinds"),
        ("ALLUPPER1234567", "uses 2 of the four kinds"),
        ("Smith#Family2024", "contains the user's first or last name"),
        ("j0nathan!Rocks77", "contains the user's first or last name"),  # look-alike undone
        ("Password123!", "well-known common password"),
        ("P@ssw0rd2024", "well-known common password"),
        ("Summer2024!!", "well-known common password"),
        ("Liverpool1892!", "well-known common password"),
        ("!!Welcome2024", "well-known common password"),
        ("Qwerty123456!", "well-known common password"),
        ("1q2w3e4r5t6Y!", "well-known common password"),
        ("NHSmail#2024!", "well-known common password"),
    ],
)
def test_bad_passwords(password: str, says: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        check_password(password, "Password", NAMES)
    assert says in caught.value.message
    assert password not in caught.value.message  # the report is emailed: never repeat the password


def test_every_problem_is_listed_in_one_message() -> None:
    with pytest.raises(InvalidCell) as caught:
        check_password("smith", "Password", NAMES)
    message = caught.value.message
    assert message.startswith("Password has 5 characters")
    assert "It uses 1 of the four kinds" in message and "It contains the user's" in message
    assert message.endswith("Or leave it blank to have one generated.")


@pytest.mark.parametrize(("names", "password"), [(("Li", "Wu"), "Li#Wu!Secure99"), ((None, None), "Xk9#mQ2$vL7!pR")])
def test_names_shorter_than_three_letters_are_not_checked(names: tuple[str | None, str | None], password: str) -> None:
    check_password(password, "Password", names)


def test_each_part_of_a_double_barrelled_name_is_checked() -> None:
    with pytest.raises(InvalidCell):
        check_password("Xk9#Jones!pR2", "Password", ("Ann", "Smith-Jones"))


@pytest.mark.parametrize(("password", "kinds"), [("abc", 1), ("aB", 2), ("aB1", 3), ("aB1!", 4), ("aB1 ", 4)])
def test_character_kinds(password: str, kinds: int) -> None:
    assert character_kinds(password) == kinds


def test_the_shipped_list_is_loaded() -> None:
    assert is_common_password("password")
    assert is_common_password("qwertyuiop123")
    assert not is_common_password("Xk9#mQ2$vL7!pR")
