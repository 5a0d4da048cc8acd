"""moto's Step Functions interpreter imports its AWS Batch task at start-up: the task factory
(state_task_service_factory) imports state_task_service_batch, whose `from moto.batch.utils import
JobStatus` runs moto/batch/__init__.py, which loads moto's Batch backend and with it all of moto.ec2.
That costs the stack's start about 0.7 s and 90 MB (peak RSS), when it creates its state machine,
for a task the definition never uses (it calls Lambda and reads S3).

Until the interpreter is first imported, the task module's name in sys.modules is taken by a
stand-in whose StateTaskServiceBatch imports moto's real module on first use: a definition with a
Batch task still runs moto's own Batch task (or fails as moto would), only the import comes later.
(Handing the task a light `moto.batch.utils` instead would leave moto.batch's own imports to meet
that module without its package.) It must be applied before moto's interpreter is first imported,
which moto does on the first Step Functions request: EmbeddedStack.start applies the patches before it
creates any resource (tests/standin/test_lazy_batch_task.py checks it through `roster local run`)."""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

BATCH_TASK_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch"
TASK_FACTORY_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_factory"

_loading = threading.Lock()  # execution threads parse definitions: one of them imports the real module


def apply() -> None:
    """Stand in for moto's Batch task module until a definition uses it (idempotent). Does nothing
    once the module is imported: then moto.batch is too, and there is nothing left to save."""
    if BATCH_TASK_MODULE not in sys.modules:
        sys.modules[BATCH_TASK_MODULE] = BatchTaskStandIn(BATCH_TASK_MODULE, __doc__)


def batch_task_service() -> Any:
    """What the task factory builds for a `batch` Resource: moto's own StateTaskServiceBatch."""
    return real_batch_task_module().StateTaskServiceBatch()


class BatchTaskStandIn(types.ModuleType):
    """Holds the task module's place in sys.modules; any use loads the real one."""

    StateTaskServiceBatch = staticmethod(batch_task_service)  # what the factory imports by name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like: not a use
            raise AttributeError(name)
        return getattr(real_batch_task_module(), name)


def real_batch_task_module() -> types.ModuleType:
    """moto's state_task_service_batch, imported (with moto.batch and moto.ec2) on the first call."""
    with _loading:
        module = sys.modules.get(BATCH_TASK_MODULE)
        if module is not None and not isinstance(module, BatchTaskStandIn):
            return module
        sys.modules.pop(BATCH_TASK_MODULE, None)
        try:
            return importlib.import_module(BATCH_TASK_MODULE)
        except BaseException:
            if module is not None:  # keep the stand-in: the next use tries again, and fails as loudly
                sys.modules[BATCH_TASK_MODULE] = module
            raise
