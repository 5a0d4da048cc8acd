"""Upload State Changed events: every change of an upload's state, published once (docs/api.md#events)."""
