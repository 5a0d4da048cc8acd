"""The embedded stack's parts: what AWS enforces that moto does not (limits)."""
