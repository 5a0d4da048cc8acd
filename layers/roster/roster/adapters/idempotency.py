"""Powertools idempotency, configured once: what makes an email or a batch happen once however often
a step is retried. Handlers call `register_lambda_context` so that a send or batch still in progress
when its Lambda times out may be tried again after that timeout."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from roster.adapters.clients import client
from roster.settings import get_settings

# Module-level so handlers can register their context on them; neither reads a setting.
# An email: one per kind per upload (its key is "<upload id>#<kind>"), remembered 30 days.
email_idempotency = IdempotencyConfig(event_key_jmespath="key", raise_on_no_idempotency_key=True,
                                      expires_after_seconds=30 * 86400)
# A replayed batch invocation (a retry after a lost response) gets its recorded answer back
# cheaply. Exactly-once does not rest on this: every row's transaction guarantees it.
batch_idempotency = IdempotencyConfig(event_key_jmespath="[job_id, batch_no]",
                                      raise_on_no_idempotency_key=True, expires_after_seconds=7 * 86400)
# An Upload State Changed event: one per change (its key is "<upload id>#<stream sequence number>",
# roster.events), remembered longer than the stream keeps a record (24 hours) so that no
# redelivery of that record can publish it again.
event_idempotency = IdempotencyConfig(event_key_jmespath="change_key", raise_on_no_idempotency_key=True,
                                      expires_after_seconds=2 * 86400)


def register_lambda_context(context: Any) -> None:
    """Give every idempotency configuration the invocation's context (its remaining time)."""
    email_idempotency.register_lambda_context(context)
    batch_idempotency.register_lambda_context(context)
    event_idempotency.register_lambda_context(context)


def persistence_layer() -> DynamoDBPersistenceLayer:
    """A persistence layer on the idempotency table. One per idempotent function: Powertools
    configures the layer with its function's key expression."""
    return DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))
