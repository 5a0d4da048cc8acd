"""Every change the embedded stack makes to moto (pinned at 5.1.22), in one place.

`apply()` installs them all, once (calling it again changes nothing); each module says what
it replaces and why, and tests/standin/ holds a contract test for each, which fails when the
moto behaviour the patch relies on, or works around, changes.

Fixes: moto would fail or be wrong without them.
  dynamodb_lock     every DynamoDB request behind one lock (moto's backend is not thread-safe)
  transact_write    TransactWriteItems without deep-copying every table it touches
  execution_copy    StartExecution copies the state machine without its earlier executions
Limits: AWS refuses these requests, moto does not (roster_local.stack.limits, docs/deploy.md).
  ses_limits        SendRawEmail: 10 MB a message, 50 distinct recipients (moto miscounts them)
  execution_input   StartExecution: an input over 256 KB
  transact_write    (above) also refuses a transaction over 4 MB
Routing: moto's stand-in answer replaced by the project's.
  lambda_invoke     Lambda Invoke and S3 event notifications go to InProcessLambda
Speed: the same answers with less work.
  dynamodb_query    a Query reads only the queried hash key's items, not the whole table
  condition_cache   condition expressions parsed once
  item_size         an item's size summed once, not once per attribute
  attribute_value   an attribute value built from its {type: value} pair directly
  lazy_batch_task   the Step Functions interpreter without moto.batch and moto.ec2 until a Batch task runs
IAM (roster_local.stack.iam_guard): what moto does not check.
  presigned_use     a presigned URL or form is checked against its signer's role when used
  state_machine_clients  the state machine's calls: signed with the process's keys, checked as its role's
Reading moto's state (nothing replaced):
  ses_outbox        the raw emails moto's SES kept, which `roster local run` writes out
"""

from __future__ import annotations

from roster_local.moto_patches import (
    attribute_value,
    condition_cache,
    dynamodb_lock,
    dynamodb_query,
    execution_copy,
    execution_input,
    item_size,
    lambda_invoke,
    lazy_batch_task,
    presigned_use,
    ses_limits,
    state_machine_clients,
    transact_write,
)

PATCHES = (dynamodb_lock, transact_write, execution_copy, lambda_invoke, dynamodb_query, condition_cache, item_size,
           attribute_value, lazy_batch_task, ses_limits, execution_input,
           presigned_use, state_machine_clients)


def apply() -> None:
    """Install every patch (idempotent)."""
    for patch in PATCHES:
        patch.apply()
