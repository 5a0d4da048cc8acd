"""Parsed condition expressions, cached (speed only: the same answers).

moto parses a ConditionExpression with a hand-written lexer and parser on every use, and a
conditional Put inside TransactWriteItems is parsed three times (the request check, the
condition check, the write). Roster's writes repeat a few expressions
(`attribute_not_exists(pk)` above all), so `ConditionExpressionParser.parse` keeps its
results by (expression, names, values): the Op tree it returns is only read when evaluated,
and the lists of names and values it found are replayed onto each new parser."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser

MOTO_PARSE = ConditionExpressionParser.parse
CACHE_SIZE = 4096

_Parsed = tuple[Any, list[str], list[str]]  # (op, expression attribute names found, values found)
_cache: OrderedDict[str, _Parsed] = OrderedDict()


def apply() -> None:
    """Cache parsed condition expressions (idempotent)."""
    ConditionExpressionParser.parse = parse  # type: ignore[method-assign]


def parse(self: ConditionExpressionParser) -> Any:
    """moto's parse, once per distinct (expression, names, values)."""
    if not self.condition_expression:
        return MOTO_PARSE(self)
    key = json.dumps([self.condition_expression, self.expression_attribute_names,
                      self.expression_attribute_values], sort_keys=True, default=str)
    parsed = _cache.get(key)
    if parsed is None:
        op = MOTO_PARSE(self)  # errors (a bad expression, a missing name) are raised, never cached
        parsed = (op, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
        _cache[key] = parsed
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return op
    op, names, values = parsed
    self.expr_attr_names_found.extend(names)
    self.expr_attr_values_found.extend(values)
    return op


def clear() -> None:
    """Forget every parsed expression (tests)."""
    _cache.clear()
