"""ODS codes, organisations, units and authorisation (docs/csv-format.md#current-format and #what-a-row-does)."""

from __future__ import annotations

import pytest

from roster.model.directory import DirectorySnapshot, Organisation
from roster.rules import InvalidCell
from roster.rules.organisation import known_organisation, ods_code, require_administered, unit_of

LEEDS = Organisation(ods="RX1", name="Leeds Teaching Hospitals", domain="nhs.net", units=("Cardiology", "A&E"))
YORK = Organisation(ods="RX2", name="York Hospital", domain="nhs.net")
SNAPSHOT = DirectorySnapshot(organisations={"RX1": LEEDS, "RX2": YORK}, administered=frozenset({"RX1"}))


@pytest.mark.parametrize(("cell", "stored"), [("RX1", "RX1"), ("rx1", "RX1"), ("Y01234", "Y01234"),
                                              ("ABCDEFGHIJ", "ABCDEFGHIJ"), ("8A4", "8A4")])
def test_good_ods_codes_are_upper_cased(cell: str, stored: str) -> None:
    assert ods_code(cell, "Organisation ODSCode") == stored


@pytest.mark.parametrize("cell", ["RX", "ABCDEFGHIJK", "RX-1", "RX 1", "R_1", "ÄBC"])
def test_bad_ods_codes(cell: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        ods_code(cell, "ODS Code")
    assert "3 to 10 letters or digits" in caught.value.message


def test_an_organisation_must_exist() -> None:
    assert known_organisation(SNAPSHOT, "RX1", "Organisation ODSCode") is LEEDS
    with pytest.raises(InvalidCell) as caught:
        known_organisation(SNAPSHOT, "RX9", "Organisation ODSCode")
    assert "RX9 is not an organisation in the directory" in caught.value.message


@pytest.mark.parametrize(("cell", "stored"), [("Cardiology", "Cardiology"), ("cardiology", "Cardiology"),
                                              ("a&e", "A&E")])
def test_a_unit_of_the_organisation_is_spelled_as_the_directory_spells_it(cell: str, stored: str) -> None:
    assert unit_of(LEEDS, cell, "Organisational Unit") == stored


def test_a_unit_of_another_organisation_is_refused_listing_the_units() -> None:
    with pytest.raises(InvalidCell) as caught:
        unit_of(LEEDS, "Radiology", "Organisational Unit")
    message = caught.value.message
    assert "'Radiology' is not a unit of organisation RX1" in message
    assert "Cardiology, A&E" in message and "leave it blank" in message
    with pytest.raises(InvalidCell) as caught:
        unit_of(YORK, "Radiology", "Organisational Unit")
    assert "it has no units" in caught.value.message


def test_the_uploader_must_administer_the_organisation() -> None:
    require_administered(SNAPSHOT, "RX1", "create users in it")
    with pytest.raises(InvalidCell) as caught:
        require_administered(SNAPSHOT, "RX2", "create users in it")
    message = caught.value.message
    assert "You do not administer organisation RX2 (York Hospital)" in message
    assert "you can only change users of the organisations you administer (RX1)" in message
