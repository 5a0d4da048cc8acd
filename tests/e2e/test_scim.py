"""SCIM 2.0 against `roster local serve` (docs/scim.md): RFC 7643/7644 conformance of what Roster
serves, the request shapes Entra ID and Okta send, cross-organisation isolation, and tokens
issued, listed and revoked with `roster scim`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from scim2_client import BaseSyncSCIMClient
from scim2_tester import Status, check_server

from tests.conftest import ADMIN
from tests.e2e.serving import Served, serve

pytestmark = pytest.mark.e2e
SCIM_JSON = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class RequestsScimClient(BaseSyncSCIMClient):
    """scim2-client's synchronous client over requests (its own engines want httpx2)."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _stays_under_base_url(self, endpoint: str) -> bool:
        return endpoint.startswith("/") or endpoint.startswith(self.base + "/")

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + url if url.startswith("/") else url, timeout=60, **kwargs)


def issue_token(served: Served, ods: str, name: str) -> dict[str, Any]:
    """`roster scim token`, as the signed-in administrator."""
    done = served.roster("scim", "token", "--ods", ods, "--name", name, "--json")
    assert done.returncode == 0, done.stderr + served.errors()
    issued: dict[str, Any] = json.loads(done.stdout)
    return issued


class Scim:
    def __init__(self, url: str, token: str) -> None:
        self.base = f"{url}/scim/v2"
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM_JSON}

    def __call__(self, method: str, path: str, body: Any = None, **params: str) -> requests.Response:
        return requests.request(method, self.base + path, headers=self.headers, params=params or None,
                                data=None if body is None else json.dumps(body), timeout=60)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # The example organisations are small: one leaver is over the deployed 10%. The leaver
    # approval rule has its own test (tests/integration/test_scim_leavers.py).
    yield from serve(tmp_path_factory, "scim", "LeaverApprovalPercent=100", logins=((ADMIN, "admin"),))


@pytest.fixture(scope="module")
def rx1(served: Served) -> Scim:
    return Scim(served.url, issue_token(served, "RX1", "entra-test")["token"])


@pytest.fixture(scope="module")
def ry2(served: Served) -> Scim:
    return Scim(served.url, issue_token(served, "RY2", "okta-test")["token"])


def entra_user(user_name: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER, ENTERPRISE], "externalId": f"ext-{given}", "userName": user_name, "active": True,
            "name": {"givenName": given, "familyName": family}, "title": "Staff Nurse",
            "phoneNumbers": [{"type": "mobile", "value": "+447912345678"}],
            ENTERPRISE: {"department": "Cardiology"}, **extra}


def _error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(SCIM_JSON)
    body: dict[str, Any] = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    return body


def test_discovery_endpoints_describe_users_and_patch(rx1: Scim) -> None:
    config = rx1("GET", "/ServiceProviderConfig")
    assert config.status_code == 200 and config.headers["Content-Type"].startswith(SCIM_JSON)
    assert config.json()["patch"]["supported"] is True and config.json()["bulk"]["supported"] is False
    types = rx1("GET", "/ResourceTypes").json()
    assert [t["endpoint"] for t in types["Resources"]] == ["/Users"]
    schemas = {s["id"] for s in rx1("GET", "/Schemas").json()["Resources"]}
    assert {USER, ENTERPRISE, "urn:roster:params:scim:schemas:extension:account:2.0:User"} <= schemas
    assert rx1("GET", f"/Schemas/{USER}").json()["id"] == USER
    _error(rx1("GET", "/Schemas/urn:nothing"), 404)


def test_scim2_tester_discovery_and_misc_checks_all_pass(served: Served) -> None:
    # scim2-tester's CRUD checks fill every attribute with random text, which Roster's rules refuse
    # as a file would (names, UK phones, units): the CRUD checks of this file replace them.
    client = RequestsScimClient(f"{served.url}/scim/v2", issue_token(served, "RX1", "scim2-tester")["token"])
    results = check_server(client, include_tags={"discovery", "misc"})
    assert len(results) >= 15
    failed = [f"{r.title}: {r.reason}" for r in results if r.status in (Status.DEVIATION, Status.ERROR, Status.CRITICAL)]
    assert failed == []


def test_no_token_or_a_jwt_shaped_guess_is_refused(served: Served) -> None:
    for headers in ({}, {"Authorization": "Bearer roster_scim_guess"}, {"Authorization": "Basic YTpi"}):
        response = requests.get(f"{served.url}/scim/v2/Users", headers=headers, timeout=30)
        _error(response, 401)


def test_entra_create_filter_update_disable_enable_delete(rx1: Scim) -> None:
    found = rx1("GET", "/Users", filter='userName eq "ada@contoso.example"').json()
    assert found["totalResults"] == 0 and found["Resources"] == []
    created = rx1("POST", "/Users", entra_user("ada@contoso.example", "Ada", "Lovelace"))
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{user['id']}")
    assert user["emails"] == [{"value": "ada.lovelace@nhs.net", "type": "work", "primary": True}]
    assert user["title"] == "Staff Nurse" and user[ENTERPRISE]["department"] == "Cardiology"
    again = rx1("POST", "/Users", entra_user("ADA@contoso.example", "Ada", "Lovelace"))
    assert _error(again, 409)["scimType"] == "uniqueness"
    listed = rx1("GET", "/Users", filter='userName eq "ada@contoso.example"').json()
    assert [u["id"] for u in listed["Resources"]] == [user["id"]]
    only = rx1("GET", f"/Users/{user['id']}", attributes="userName,name.givenName").json()
    assert only == {"schemas": [USER], "id": user["id"], "userName": "ada@contoso.example",
                    "name": {"givenName": "Ada"}}
    assert "emails" not in rx1("GET", "/Users", excludedAttributes="emails").json()["Resources"][0]
    assert _error(rx1("GET", "/Users", attributes="no..such"), 400)["scimType"] == "invalidPath"
    by_external = rx1("GET", "/Users", filter='externalId eq "ext-Ada" and active eq true').json()
    assert [u["id"] for u in by_external["Resources"]] == [user["id"]]

    patch = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "title", "value": "Ward Sister"},
        {"op": "Add", "path": 'phoneNumbers[type eq "work"].value', "value": "+441134960000"}]}
    updated = rx1("PATCH", f"/Users/{user['id']}", patch).json()
    assert updated["title"] == "Ward Sister"
    assert {"type": "work", "value": "+441134960000"} in updated["phoneNumbers"]
    disable = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert rx1("PATCH", f"/Users/{user['id']}", disable).json()["active"] is False
    enable = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": "True"}]}
    assert rx1("PATCH", f"/Users/{user['id']}", enable).json()["active"] is True
    deleted = rx1("DELETE", f"/Users/{user['id']}")
    assert deleted.status_code == 204
    _error(rx1("GET", f"/Users/{user['id']}"), 404)


def test_okta_patch_without_path_and_full_put(ry2: Scim) -> None:
    body = entra_user("grace@okta.example", "Grace", "Hopper")
    body[ENTERPRISE] = {"department": "Podiatry"}
    user = ry2("POST", "/Users", body).json()
    deactivate = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert ry2("PATCH", f"/Users/{user['id']}", deactivate).json()["active"] is False
    replaced = {**body, "id": user["id"], "active": True, "title": "Podiatry Lead",
                "name": {"givenName": "Grace", "familyName": "Hopper"}}
    put = ry2("PUT", f"/Users/{user['id']}", replaced)
    assert put.status_code == 200, put.text
    assert put.json()["active"] is True and put.json()["title"] == "Podiatry Lead"


def test_a_value_a_file_would_refuse_is_a_400_with_the_files_message(rx1: Scim) -> None:
    body = entra_user("bad@contoso.example", "Bad", "Phone", phoneNumbers=[{"type": "mobile", "value": "12345"}])
    error = _error(rx1("POST", "/Users", body), 400)
    assert error["scimType"] == "invalidValue" and "not a UK mobile number" in error["detail"]
    unit = entra_user("unit@contoso.example", "Unit", "Less", **{ENTERPRISE: {"department": "Nowhere"}})
    assert "Nowhere" in _error(rx1("POST", "/Users", unit), 400)["detail"]
    assert rx1("GET", "/Users", filter='userName eq "bad@contoso.example"').json()["totalResults"] == 0


def test_paging_with_start_index_and_count(rx1: Scim) -> None:
    for n in ("one", "two", "three"):
        assert rx1("POST", "/Users", entra_user(f"{n}@page.example", "Page", n.title())).status_code == 201
    first = rx1("GET", "/Users", startIndex="1", count="2").json()
    second = rx1("GET", "/Users", startIndex="3", count="2").json()
    assert first["totalResults"] == second["totalResults"] >= 3
    assert first["itemsPerPage"] == 2 and first["startIndex"] == 1 and second["startIndex"] == 3
    ids = [u["id"] for u in first["Resources"] + second["Resources"]]
    assert len(ids) == len(set(ids))


def test_another_organisations_token_sees_nothing(rx1: Scim, ry2: Scim) -> None:
    mine = rx1("POST", "/Users", entra_user("iso@contoso.example", "Iso", "Lation")).json()
    _error(ry2("GET", f"/Users/{mine['id']}"), 404)
    _error(ry2("PATCH", f"/Users/{mine['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "active", "value": False}]}), 404)
    _error(ry2("DELETE", f"/Users/{mine['id']}"), 404)
    assert ry2("GET", "/Users", filter='userName eq "iso@contoso.example"').json()["totalResults"] == 0
    assert mine["id"] not in {u["id"] for u in ry2("GET", "/Users").json()["Resources"]}
    assert rx1("GET", f"/Users/{mine['id']}").json()["active"] is True
    moved = rx1("PATCH", f"/Users/{mine['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": f"{ENTERPRISE}:organization", "value": "RY2"}]})
    assert moved.json()[ENTERPRISE]["organization"] == "RX1"  # a token never moves an account elsewhere


def test_a_revoked_token_is_refused_and_listed_as_revoked(served: Served) -> None:
    issued = issue_token(served, "Y0301", "short-lived")
    scim = Scim(served.url, issued["token"])
    assert scim("GET", "/Users").status_code == 200
    done = served.roster("scim", "revoke", issued["token_id"])
    assert done.returncode == 0, done.stderr
    _error(scim("GET", "/Users"), 401)
    listed = json.loads(served.roster("scim", "tokens", "--ods", "Y0301", "--json").stdout)
    mine = next(t for t in listed["tokens"] if t["token_id"] == issued["token_id"])
    assert mine["revoked_by"] == ADMIN and "token" not in mine and "digest" not in mine


def test_concurrent_requests_are_each_answered_with_their_own_token_and_body(rx1: Scim, ry2: Scim) -> None:
    # Powertools keeps the current event in class attributes: two requests in one process at once
    # must not see each other's event (a Lambda environment takes one event at a time).
    mine = {scim: scim("POST", "/Users", entra_user(f"conc{n}@{'rx' if scim is rx1 else 'ry'}.example", "Conc",
                                                    "Rx" if scim is rx1 else "Ry", **(
                                                        {ENTERPRISE: {"department": "Podiatry"}} if scim is ry2
                                                        else {}))).json()["id"]
            for n, scim in enumerate((rx1, ry2))}
    answers: list[tuple[Scim, int, requests.Response]] = []

    def client(scim: Scim, patching: bool) -> None:
        for n in range(12):
            patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": f"T{n % 2}"}]}
            sent = scim("PATCH", f"/Users/{mine[scim]}", patch) if patching else scim("GET", f"/Users/{mine[scim]}")
            answers.append((scim, n, sent))

    threads = [threading.Thread(target=client, args=(scim, patching))
               for scim in (rx1, ry2) for patching in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 48
    for scim, _, response in answers:
        assert response.status_code == 200, response.text
        assert response.json()["id"] == mine[scim]
