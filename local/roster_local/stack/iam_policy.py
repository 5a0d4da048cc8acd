"""An IAM policy evaluator for the embedded stack: does a role's identity policy allow a request?

The rules are IAM's for identity-based policies (docs/deploy.md, "What is verified offline"):
a request is allowed when a statement allows it and none denies it (an explicit Deny wins);
nothing allows it otherwise. A statement matches when its Action (or NotAction) matches the
action, case-insensitively, its Resource (or NotResource) matches the resource ARN, case-
sensitively, `*` matching any run of characters and `?` one, and every Condition holds. The
condition operators are the ones IAM documents; a statement using one this module does not know
is refused (NotImplementedError), never guessed. A multivalued key (DynamoDB's
`dynamodb:LeadingKeys`, one value per item of a batch) is tested with the set operators
`ForAllValues:` (every value matches; true when the request has none, as IAM says) and
`ForAnyValue:` (some value matches); a plain operator on a multivalued key is refused."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any


class Decision(Enum):
    ALLOWED = "allowed"
    EXPLICITLY_DENIED = "explicitly denied"
    NOT_ALLOWED = "not allowed"  # IAM's implicit deny: no statement allows it


@dataclass(frozen=True)
class Request:
    """One action on one resource, with the condition keys the request carries."""

    action: str  # service:Action, e.g. dynamodb:GetItem
    resource: str  # an ARN, or "*" for actions that have no resource
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=4096)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM's wildcards only: `*` and `?` (fnmatch's [..] classes are literal in IAM).
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text]
    return re.compile("".join(parts), re.IGNORECASE if ignore_case else 0)


def matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcard match of a whole value."""
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


_OPERATORS: dict[str, Any] = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringNotEquals": lambda expected, actual: actual != expected,
    "StringEqualsIgnoreCase": lambda expected, actual: actual.lower() == expected.lower(),
    "StringLike": lambda expected, actual: matches(expected, actual),
    "StringNotLike": lambda expected, actual: not matches(expected, actual),
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": lambda expected, actual: matches(expected, actual),
    "ArnNotLike": lambda expected, actual: not matches(expected, actual),
    "Bool": lambda expected, actual: actual.lower() == str(expected).lower(),
}
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotLike"}


def _value_holds(base: str, expected: Any, actual: str) -> bool:
    test = _OPERATORS[base]
    values = [str(v) for v in as_list(expected)]
    if base in _NEGATED:
        return all(test(value, actual) for value in values)
    return any(test(value, actual) for value in values)


def _condition_holds(operator: str, key: str, expected: Any,
                     context: Mapping[str, str | tuple[str, ...]]) -> bool:
    qualifier, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base not in _OPERATORS or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise NotImplementedError(f"the IAM check does not evaluate the condition operator "
                                  f"{qualifier + ':' if qualifier else ''}{operator}")
    actual = next((value for name, value in context.items() if name.lower() == key.lower()), None)
    if qualifier:
        values = (actual,) if isinstance(actual, str) else tuple(actual or ())
        if qualifier == "ForAllValues":  # vacuously true for a request without the key (IAM's rule)
            return all(_value_holds(base, expected, value) for value in values)
        return any(_value_holds(base, expected, value) for value in values)
    if isinstance(actual, tuple):
        raise NotImplementedError(f"{key} has several values: test it with ForAllValues: or ForAnyValue:")
    if actual is None:
        # A missing key: IfExists holds; a negated operator holds; any other fails (IAM's rules).
        return if_exists or base in _NEGATED
    return _value_holds(base, expected, actual)


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]],
                     context: Mapping[str, str | tuple[str, ...]]) -> bool:
    return all(_condition_holds(operator, key, expected, context)
               for operator, pairs in conditions.items() for key, expected in pairs.items())


def action_matches(statement: Mapping[str, Any], action: str) -> bool:
    """Does this statement name the action (its Action, or not its NotAction)?"""
    if "Action" in statement:
        return any(matches(str(a), action, ignore_case=True) for a in as_list(statement["Action"]))
    return not any(matches(str(a), action, ignore_case=True) for a in as_list(statement.get("NotAction", [])))


def statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    """Does this statement apply to the request (action, resource and conditions)?"""
    if not action_matches(statement, request.action):
        return False
    if "Resource" in statement:
        resource_ok = any(matches(str(r), request.resource) for r in as_list(statement["Resource"]))
    elif "NotResource" in statement:
        resource_ok = not any(matches(str(r), request.resource) for r in as_list(statement["NotResource"]))
    else:
        raise ValueError(f"a statement needs Resource or NotResource: {statement}")
    return resource_ok and _conditions_hold(statement.get("Condition", {}), request.context)


def evaluate(statements: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    """IAM's decision for one request against a role's statements."""
    allowed = False
    for statement in statements:
        if not statement_matches(statement, request):
            continue
        if statement["Effect"] == "Deny":
            return Decision.EXPLICITLY_DENIED
        allowed = True
    return Decision.ALLOWED if allowed else Decision.NOT_ALLOWED


def statements_of(documents: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every statement of some policy documents; an empty or missing Statement is refused, as IAM refuses it."""
    statements: list[dict[str, Any]] = []
    for document in documents:
        listed = document.get("Statement")
        if not listed:
            raise ValueError(f"a policy document without statements is refused by IAM: {document}")
        statements.extend(dict(s) for s in as_list(listed))
    return statements
