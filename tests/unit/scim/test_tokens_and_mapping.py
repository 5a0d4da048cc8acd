"""SCIM pieces without AWS: tokens (docs/scim.md#tokens), the mapping of a User to a file row
(docs/scim.md#mapping), the items a link writes, and listing's paging and filters."""

from __future__ import annotations

import csv
import io

import pytest
from scim2_models import Context, PatchOp

from roster.contract.columns import CURRENT_COLUMNS
from roster.model.directory import Account, AccountStatus
from roster.model.writes import DirectoryItem, DirectoryItemRemoval
from roster.scim.errors import ScimError
from roster.scim.links import ScimLink, resource_id
from roster.scim.listing import _filter, _paging, _user_name_equals
from roster.scim.resources import RosterUser, row_cells, row_file, to_resource, with_empty_phones
from roster.scim.service import _link_writes
from roster.scim.tokens import TOKEN_PREFIX, bearer_secret, checked_name, digest_of, new_secret, same_digest

ACCOUNT = Account(email="jane.doe@nhs.net", first_name="Jane", last_name="Doe", ods="RX1", title="Dr",
                  job_title="Pharmacist", unit="Pharmacy", mobile_phone="+447912345678", mailbox_gb=4,
                  created_at="2026-01-01T09:00:00+00:00")
LINK = ScimLink(id=resource_id("RX1", "jane@contoso.example"), ods="RX1", email="jane.doe@nhs.net",
                user_name="jane@contoso.example", external_id="obj-1", created_at="2026-01-01T09:00:00+00:00")


def test_a_token_is_stored_as_its_digest_and_compared_whole() -> None:
    secret = new_secret()
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40 and new_secret() != secret
    assert digest_of(secret) != secret and len(digest_of(secret)) == 64
    assert same_digest(digest_of(secret), secret)
    assert not same_digest(digest_of(secret), secret[:-1])


@pytest.mark.parametrize(("header", "expected"), [
    ("Bearer roster_scim_abc", "roster_scim_abc"), ("bearer   roster_scim_abc ", "roster_scim_abc"),
    ("Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", None), ("Basic cm9zdGVyX3NjaW1fYWJj", None), ("", None), (None, None),
])
def test_only_a_bearer_scim_token_is_taken_from_the_header(header: str | None, expected: str | None) -> None:
    assert bearer_secret(header) == expected


def test_a_token_name_defaults_to_its_organisation_and_refuses_control_characters() -> None:
    assert checked_name(None, "RX1") == "scim:RX1" and checked_name(" entra ", "RX1") == "entra"
    for bad in ("x" * 65, "bad\nname"):
        with pytest.raises(ValueError, match="printable"):
            checked_name(bad, "RX1")


def test_an_account_is_the_user_and_the_user_is_the_file_row_that_asks_for_it() -> None:
    user = to_resource(LINK, ACCOUNT, "https://roster.example/scim/v2")
    assert user.emails[0].value == "jane.doe@nhs.net" and user.active is True
    cells = row_cells(user, "RX1", ACCOUNT.email)
    assert cells == {"Title": "Dr", "First Name": "Jane", "Last Name": "Doe", "Display Name": "",
                     "Job Title": "Pharmacist", "Organisation ODSCode": "RX1", "Organisational Unit": "Pharmacy",
                     "Business Phone": "", "Mobile Phone": "+447912345678", "Mailbox Size": "4", "Password": "",
                     "Email Address": "jane.doe@nhs.net", "Status": ""}
    rows = list(csv.reader(io.StringIO(row_file(cells).decode("utf-8"))))
    assert rows[0] == list(CURRENT_COLUMNS) and rows[1][CURRENT_COLUMNS.index("Mobile Phone")] == "+447912345678"


def test_entras_patches_land_on_the_columns_and_the_organisation_is_never_taken_from_the_body() -> None:
    user = with_empty_phones(to_resource(LINK, ACCOUNT.model_copy(update={"status": AccountStatus.ACTIVE}), "x"))
    patch = PatchOp[RosterUser].model_validate({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                "Operations": [
        {"op": "Add", "path": 'phoneNumbers[type eq "work"].value', "value": "+441134960000"},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
         "value": "RY2"}]}, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
    patch.patch(user)
    cells = row_cells(user, "RX1", ACCOUNT.email)
    assert cells["Business Phone"] == "+441134960000" and cells["Status"] == "leaver"
    assert cells["Organisation ODSCode"] == "RX1"


def test_a_rename_gives_up_the_old_user_name_and_claims_the_new_one_in_the_same_writes() -> None:
    renamed = LINK.renamed("janet@contoso.example", "obj-1")
    writes = _link_writes(renamed, previous=LINK)
    assert set(writes) == {"scim_link", "scim_old_name", "scim_name"}
    claim, released = writes["scim_name"], writes["scim_old_name"]
    assert isinstance(claim, DirectoryItem) and claim.if_absent and claim.item["sk"] == "NAME#janet@contoso.example"
    assert isinstance(released, DirectoryItemRemoval) and released.key["sk"] == "NAME#jane@contoso.example"
    assert set(_link_writes(LINK.renamed("JANE@contoso.example", "obj-2"), previous=LINK)) == {"scim_link"}
    assert resource_id("rx1", "JANE@contoso.example") == LINK.id  # a retried create names the same user


def test_paging_and_filters_are_read_as_rfc_7644_says() -> None:
    assert _paging({}) == (1, 100) and _paging({"startIndex": "0", "count": "-3"}) == (1, 0)
    assert _paging({"startIndex": "5", "count": "1000"}) == (5, 200)
    with pytest.raises(ScimError) as refused:
        _paging({"count": "ten"})
    assert refused.value.status == 400
    assert _user_name_equals(_filter('userName eq "a@b.example"')) == "a@b.example"
    assert _user_name_equals(_filter('userName eq "a" and active eq true')) is None
    with pytest.raises(ScimError) as bad:
        _filter("userName eq")
    assert bad.value.scim_type == "invalidFilter"
