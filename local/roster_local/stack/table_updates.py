"""A stack update of a DynamoDB table's indexes, as CloudFormation performs it, on the embedded stack.

CloudFormation creates or deletes at most one global secondary index of a table in one stack
update ("Cannot perform more than one GSI creation or deletion in a single update"). A stack
created before the Jobs table's gsi2 and open-jobs indexes therefore reaches the current template
in two updates: JobsTableIndexes=2, then 3 (docs/deploy.md, "Upgrading"). `update_indexes` replays
one such update on a running embedded stack: the table's indexes as the template declares them
under the new parameters, the update refused as CloudFormation refuses it when it would add or
remove more than one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roster_local.stack.template import TemplateResolver

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack

_INDEX_FIELDS = ("IndexName", "KeySchema", "Projection")


class UpdateRefused(ValueError):
    """CloudFormation would refuse this stack update (and roll it back)."""


def declared_indexes(stack: EmbeddedStack, logical: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The table's properties as the template declares them with these parameter values."""
    resolver = TemplateResolver(parameters, stack.resolver.pseudo, stack.resolver.ref, stack.resolver.get_att,
                                stack.template.get("Conditions", {}))
    properties: dict[str, Any] = resolver.resolve(stack.template["Resources"][logical]["Properties"])
    return properties


def update_indexes(stack: EmbeddedStack, logical: str, changes: dict[str, str]) -> list[str]:
    """Update one table's indexes to what the template declares with `changes` to the stack's
    parameters; the names of the indexes created or deleted. UpdateRefused, and nothing changed,
    if that is more than one."""
    parameters = {**stack.parameters, **changes}
    declared = declared_indexes(stack, logical, parameters)
    wanted = {index["IndexName"]: index for index in declared.get("GlobalSecondaryIndexes", [])}
    dynamodb = stack.client("dynamodb")
    table = stack._ref(logical)
    current = {index["IndexName"] for index in
               dynamodb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])}
    creates = [name for name in wanted if name not in current]
    deletes = sorted(current - set(wanted))
    if len(creates) + len(deletes) > 1:
        raise UpdateRefused(
            f"CloudFormation creates or deletes one global secondary index of a table per stack update; "
            f"{logical} would need {len(creates)} created ({', '.join(creates) or 'none'}) and {len(deletes)} "
            f"deleted ({', '.join(deletes) or 'none'}): deploy one index at a time (docs/deploy.md, \"Upgrading\")")
    for name in deletes:
        dynamodb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
    for name in creates:
        index = {field: wanted[name][field] for field in _INDEX_FIELDS}
        dynamodb.update_table(TableName=table, AttributeDefinitions=declared["AttributeDefinitions"],
                              GlobalSecondaryIndexUpdates=[{"Create": index}])
    stack.parameters.update(changes)
    return creates + deletes
