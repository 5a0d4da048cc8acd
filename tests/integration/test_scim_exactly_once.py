"""SCIM creates exactly once (docs/scim.md#what-roster-does): the same POST sent several times
at once, or again after its answer was lost, makes one account; the others are 409 uniqueness."""

from __future__ import annotations

import threading

from roster.scim.errors import ScimError
from roster.wiring import scim_desk
from tests.conftest import ADMIN

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _body(user_name: str) -> dict:
    return {"schemas": [USER], "userName": user_name, "externalId": "entra-object-1",
            "name": {"givenName": "Rita", "familyName": "Retry"}, "title": "Porter"}


def test_the_same_create_sent_at_once_and_again_makes_one_account(harness):
    desk = scim_desk()
    token = desk.issue(frozenset({"RX1"}), ADMIN, "RX1", "entra")["token"]
    answers: list[object] = []

    def post() -> None:
        users = desk.users_for(f"Bearer {token}", "https://roster.example/scim/v2")
        try:
            answers.append(users.create(_body("rita@contoso.example")))
        except ScimError as exc:
            answers.append(exc)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    post()  # the provider's retry after a lost answer

    created = [a for a in answers if not isinstance(a, ScimError)]
    refused = [a for a in answers if isinstance(a, ScimError)]
    assert len(created) == 1 and len(refused) == 4
    assert {(r.status, r.scim_type) for r in refused} == {(409, "uniqueness")}
    named = [a for a in harness.directory.accounts_in("RX1") if (a.first_name, a.last_name) == ("Rita", "Retry")]
    assert [a.email for a in named] == ["rita.retry@nhs.net"]


def test_a_user_name_is_unique_whatever_its_case_and_free_again_after_delete(harness):
    desk = scim_desk()
    token = desk.issue(frozenset({"RX1"}), ADMIN, "RX1", "entra")["token"]
    users = desk.users_for(f"Bearer {token}", "https://roster.example/scim/v2")
    first = users.create(_body("Sam@Contoso.example"))
    try:
        users.create(_body("sam@contoso.EXAMPLE"))
        raise AssertionError("a second user with the same userName was created")
    except ScimError as exc:
        assert exc.status == 409
    users.delete(str(first.id))
    again = users.create({**_body("sam@contoso.example"), "name": {"givenName": "Sam", "familyName": "Second"}})
    assert again.active is True and again.emails[0].value == "sam.second@nhs.net"
