"""`roster directory load` on the embedded stack: organisations, administrators with their
sign-in users, accounts; twice changes nothing; a bad file is refused whole."""

from __future__ import annotations

import json

import pytest

from roster.adapters.directory_store import DirectoryStore
from roster.settings import get_settings
from roster_local.admin.directory_file import load_directory_file
from roster_local.admin.directory_load import load_directory, stack_outputs
from roster_local.admin.session import CommandFailed
from roster_local.cli import main
from roster_local.stack.embedded_stack import EmbeddedStack
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.integration


@pytest.fixture
def stack():
    with EmbeddedStack(parameters={"PasswordHashCost": "10"}) as stack:
        yield stack


def test_loading_twice_invites_once_and_leaves_changed_accounts_alone(stack):
    settings = get_settings()
    store = DirectoryStore(stack.client("dynamodb"), settings.directory_table)
    idp = stack.client("cognito-idp")
    directory = load_directory_file(EXAMPLES / "directory.json")

    first = load_directory(directory, store, idp, settings.user_pool_id)
    store.dynamodb.update_item(TableName=store.table, Key={"pk": {"S": "ACCOUNT#jane.doe@nhs.net"},
                                                           "sk": {"S": "ACCOUNT"}},
                               UpdateExpression="SET job_title = :t", ExpressionAttributeValues={":t": {"S": "Chief"}})
    second = load_directory(directory, store, idp, settings.user_pool_id)

    # examples/directory.json: three organisations, three administrators (RY2 has a second one
    # since leaver approval came in), five accounts.
    assert (first.organisations, first.administrators, first.accounts_created) == (3, 3, 5)
    assert first.invited == ["admin@example.nhs.net", "community.lead@example.nhs.net", "practice.manager@example.nhs.net"]
    assert (second.invited, second.accounts_created, second.accounts_already_there) == ([], 0, 5)
    assert store.account("jane.doe@nhs.net").job_title == "Chief"
    assert store.administered("practice.manager@example.nhs.net") == frozenset({"Y0301"})
    user = idp.admin_get_user(UserPoolId=settings.user_pool_id, Username="admin@example.nhs.net")
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]


def test_a_bad_directory_file_is_refused_whole_naming_the_field(tmp_path, capsys):
    bad = tmp_path / "directory.json"
    bad.write_text(json.dumps({"organisations": [{"ods": "RX1", "name": "X", "domain": "nhs.net"}],
                               "admins": [{"email": "a@example.nhs.net", "orgs": ["NOPE1"]}]}))

    code = main(["directory", "load", str(bad), "--stack", "roster-prod", "--region", "eu-west-2"])

    assert code == 2
    assert "admins.0.orgs" in capsys.readouterr().err


def test_a_stack_without_roster_outputs_is_named():
    class CloudFormation:
        def describe_stacks(self, StackName):
            return {"Stacks": [{"Outputs": [{"OutputKey": "DirectoryTableName", "OutputValue": "t"}]}]}

    with pytest.raises(CommandFailed, match="no output AdminUserPoolId"):
        stack_outputs(CloudFormation(), "other-stack")


def test_each_administrator_is_bound_to_the_sub_of_the_user_created_for_them(stack):
    settings = get_settings()
    store = DirectoryStore(stack.client("dynamodb"), settings.directory_table)
    idp = stack.client("cognito-idp")

    load_directory(load_directory_file(EXAMPLES / "directory.json"), store, idp, settings.user_pool_id)

    user = idp.admin_get_user(UserPoolId=settings.user_pool_id, Username="admin@example.nhs.net")
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    assert store.administrator_email(sub) == "admin@example.nhs.net"
    assert store.bound_sub("admin@example.nhs.net") == sub


def test_given_a_user_claiming_a_future_administrators_address_then_load_trusts_it_not(stack):
    settings = get_settings()
    store = DirectoryStore(stack.client("dynamodb"), settings.directory_table)
    idp = stack.client("cognito-idp")
    # An attacker's user already holds the address of an administrator the directory adds later.
    squatter = idp.admin_create_user(UserPoolId=settings.user_pool_id, Username="community.lead@example.nhs.net",
                                     MessageAction="SUPPRESS",
                                     UserAttributes=[{"Name": "email", "Value": "community.lead@example.nhs.net"},
                                                     {"Name": "email_verified", "Value": "true"}])["User"]
    squatter_sub = next(a["Value"] for a in squatter["Attributes"] if a["Name"] == "sub")

    summary = load_directory(load_directory_file(EXAMPLES / "directory.json"), store, idp, settings.user_pool_id)

    assert store.administrator_email(squatter_sub) is None  # the API gives that user nothing
    assert "community.lead@example.nhs.net" not in summary.invited
    assert [m.split(":")[0] for m in summary.refused] == ["community.lead@example.nhs.net"]
    assert "admin-delete-user" in summary.refused[0]
