"""Undo of an applied upload (docs/approval-and-plan.md#undo): a new upload of reversing rows."""
