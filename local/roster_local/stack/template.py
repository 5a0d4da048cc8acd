"""Reading template.yaml the way CloudFormation does, for the embedded stack.

The embedded stack creates every resource from the deployed template (keys, indexes, TTL,
bucket settings, environment, the state machine definition), so nothing is copied by hand.
The YAML (CloudFormation's short tags included) is read by cfn-lint's decoder, the one the
template's lint test uses; this module only resolves the intrinsic functions the template
uses against local physical names."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str


class TemplateError(ValueError):
    """The template cannot be read (cfn-lint's decoder refused it)."""


def load_template(path: Path) -> dict[str, Any]:
    """template.yaml as plain dicts, lists and scalars, intrinsic functions in their long form."""
    template, problems = decode_str(path.read_text(encoding="utf-8"))
    if problems or template is None:
        raise TemplateError(f"{path}: " + "; ".join(str(problem) for problem in problems))
    plain = _plain(template)
    if not isinstance(plain, dict):
        raise TemplateError(f"{path}: a template is a mapping")
    return plain


def _plain(node: Any) -> Any:
    """cfn-lint's nodes (dict, list and str subclasses that remember their line) as plain values."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, str):
        return str(node)
    return node


class _NoValue:
    """AWS::NoValue: the property (or list item) it stands for is left out."""


NO_VALUE = _NoValue()


class TemplateResolver:
    """Resolves Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select and, given the template's
    Conditions, Fn::If (with Fn::Equals, Fn::Not, Fn::And, Fn::Or) against local values."""

    def __init__(self, parameters: dict[str, Any], pseudo: dict[str, str],
                 ref: Callable[[str], str], get_att: Callable[[str, str], str],
                 conditions: dict[str, Any] | None = None) -> None:
        self.parameters = parameters
        self.pseudo = pseudo
        self.ref = ref
        self.get_att = get_att
        self.conditions = conditions or {}  # the template's Conditions section, for Fn::If

    def resolve(self, value: Any) -> Any:
        """A template value with every intrinsic function replaced by its local value
        (a value that resolves to AWS::NoValue is left out of its list or mapping)."""
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and arg == "AWS::NoValue":
                return NO_VALUE
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(condition) else when_false)
            if key == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self._ref(arg)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::GetAtt":
                resource, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(resource, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self.resolve(p)) for p in self.resolve(parts))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key.startswith("Fn::"):
                raise NotImplementedError(f"the embedded stack does not resolve {key} yet")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def condition(self, name: str) -> bool:
        """The value of one of the template's Conditions."""
        return self._condition(self.conditions[name])

    def _condition(self, expression: Any) -> bool:
        (key, arg), = expression.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            return bool(str(self.resolve(arg[0])) == str(self.resolve(arg[1])))
        if key == "Fn::Not":
            return not self._condition(arg[0])
        if key == "Fn::And":
            return all(self._condition(a) for a in arg)
        if key == "Fn::Or":
            return any(self._condition(a) for a in arg)
        raise NotImplementedError(f"the embedded stack does not evaluate {key} in a condition")

    def _ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.ref(name)

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def checked_parameter(name: str, spec: dict[str, Any], value: str) -> str:
    """A parameter override checked as CloudFormation checks it (type, range, allowed values and
    pattern); ValueError with a sentence that names the parameter and what it allows."""
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(v) for v in allowed]:
        raise ValueError(f"template parameter {name} must be one of {', '.join(map(str, allowed))}, not '{value}'")
    if spec.get("Type") == "Number":
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        bounds = f" from {low} to {high}" if low is not None and high is not None else ""
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"template parameter {name} must be a number{bounds}, not '{value}'") from None
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise ValueError(f"template parameter {name} must be a number{bounds}, not {value}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        what = spec.get("ConstraintDescription", f"match {pattern}")
        raise ValueError(f"template parameter {name} '{value}' is not allowed: it {what}")
    return value


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    api: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"],
                           "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        api["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    return api


def cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation CORS rule in the S3 API's shape."""
    names = {"Id": "ID", "AllowedMethods": "AllowedMethods", "AllowedOrigins": "AllowedOrigins",
             "AllowedHeaders": "AllowedHeaders", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
    api = {names[key]: value for key, value in rule.items()}
    if "MaxAgeSeconds" in api:
        api["MaxAgeSeconds"] = int(api["MaxAgeSeconds"])
    return api
