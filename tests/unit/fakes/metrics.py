"""Measures in memory: the MetricSink port (roster.ports), whose adapter is Powertools Metrics."""

from __future__ import annotations

from typing import Any


class FakeMetrics:
    """MetricSink: every measure added, in order, as (name, unit, value)."""

    def __init__(self) -> None:
        self.added: list[tuple[str, Any, float]] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.added.append((name, unit, value))
