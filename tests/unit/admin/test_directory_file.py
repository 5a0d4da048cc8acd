"""A directory file is refused whole when it says a thing twice or names what is not there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roster_local.admin.directory_file import DirectoryFileError, load_directory_file

RX1 = {"ods": "RX1", "name": "Northfield Hospital", "domain": "nhs.net", "units": ["Cardiology"]}
ADMIN = {"email": "admin@example.nhs.net", "orgs": ["RX1"]}
JANE = {"email": "jane.doe@nhs.net", "first_name": "Jane", "last_name": "Doe", "ods": "RX1"}


def _load(tmp_path: Path, **parts: Any) -> Any:
    document = {"organisations": [RX1], "admins": [ADMIN], "accounts": [JANE], **parts}
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return load_directory_file(path)


def _refusal(tmp_path: Path, **parts: Any) -> str:
    with pytest.raises(DirectoryFileError) as refused:
        _load(tmp_path, **parts)
    return str(refused.value)


def test_given_a_well_formed_file_when_loaded_then_phones_are_stored_in_e164(tmp_path):
    directory = _load(tmp_path, accounts=[{**JANE, "business_phone": "0113 496 0001", "mobile_phone": "07912 345678"}])
    assert directory.accounts[0].business_phone == "+441134960001"
    assert directory.accounts[0].mobile_phone == "+447912345678"


def test_given_an_organisation_twice_with_another_domain_then_both_places_are_named(tmp_path):
    message = _refusal(tmp_path, organisations=[RX1, {**RX1, "ods": "rx1", "domain": "other.net"}])
    assert "organisations.1.ods" in message and "organisations.0" in message
    assert "other.net" in message and "nhs.net" in message


def test_given_an_administrator_twice_in_another_case_then_it_is_refused(tmp_path):
    message = _refusal(tmp_path, admins=[ADMIN, {"email": "Admin@Example.nhs.net", "orgs": ["RX1"]}])
    assert "admins.1.email" in message and "admins.0.email" in message


def test_given_an_account_twice_in_another_case_then_it_is_refused(tmp_path):
    message = _refusal(tmp_path, accounts=[JANE, {**JANE, "email": "JANE.DOE@nhs.net"}])
    assert "accounts.1.email" in message and "accounts.0.email" in message


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_given_a_blank_name_then_the_field_is_named(tmp_path, field):
    assert f"accounts.0.{field}" in _refusal(tmp_path, accounts=[{**JANE, field: "   "}])


def test_given_a_blank_organisation_name_then_the_field_is_named(tmp_path):
    assert "organisations.0.name" in _refusal(tmp_path, organisations=[{**RX1, "name": " "}])


def test_given_a_unit_the_organisation_lacks_then_both_places_are_named(tmp_path):
    message = _refusal(tmp_path, accounts=[{**JANE, "unit": "Podiatry"}])
    assert "accounts.0.unit" in message and "organisations.0.units" in message and "Cardiology" in message


@pytest.mark.parametrize(("field", "value"), [("business_phone", "12345"), ("mobile_phone", "0113 496 0001")])
def test_given_an_invalid_phone_then_the_field_is_named(tmp_path, field, value):
    message = _refusal(tmp_path, accounts=[{**JANE, field: value}])
    assert f"accounts.0.{field}" in message and value in message


def test_given_several_problems_then_each_is_listed(tmp_path):
    message = _refusal(tmp_path, accounts=[{**JANE, "unit": "Podiatry"}, {**JANE, "ods": "ZZ9"}])
    assert "accounts.0.unit" in message and "accounts.1.ods" in message and "accounts.1.email" in message
