"""In-memory fakes of the ports in roster.ports, one per port: the steps run on them with no AWS.

Each fake keeps what its production adapter keeps, with the same conditions (a row's
outcome once, an address reserved once, a hold free, expired or the upload's own), so that a
step that is right against a fake is right for the reason it is right against DynamoDB.
tests/integration/test_port_contracts.py runs the contract tests of tests/unit/ports/ on
both, so a fake that drifts from its adapter fails there.

  uploads.py          UploadRecords, OpenUploadRecords, UploadIndex   (adapters.upload_store, open_uploads, upload_listing)
  directory.py     Directory                                 (adapters.directory_store)
  transactions.py  Transactions                              (adapters.transactions)
  files.py         UploadFiles                               (adapters.file_store)
  queue.py         OrganisationQueue                         (adapters.holds)
  keys.py          KeyService                                (the boto3 KMS client)
  mail.py          Mailer, and the send-once callable        (adapters.ses)
  metrics.py       MetricSink                                (Powertools Metrics)
  workflow.py      Workflow, ExecutionLookup, ApplyRequests, UploadFinisher, Approvals"""

from tests.unit.fakes.directory import FakeDirectory
from tests.unit.fakes.files import FakeFiles
from tests.unit.fakes.keys import FakeKms
from tests.unit.fakes.mail import FakeMailer
from tests.unit.fakes.metrics import FakeMetrics
from tests.unit.fakes.queue import FakeQueue
from tests.unit.fakes.transactions import FakeTransactions
from tests.unit.fakes.uploads import FakeUploads
from tests.unit.fakes.workflow import FakeApplier, FakeApprovals, FakeExecutions, FakeFinisher, FakeWorkflow

__all__ = ["FakeApplier", "FakeApprovals", "FakeDirectory", "FakeExecutions", "FakeFiles", "FakeFinisher",
           "FakeKms", "FakeMailer", "FakeMetrics", "FakeQueue", "FakeTransactions", "FakeUploads", "FakeWorkflow"]
