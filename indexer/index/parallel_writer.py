"""A full build's documents written by several processes at once: Whoosh's MpWriter, each
sub-writer's segment added to the index as it is (no merge at commit), with the two things the
distribution's own version lacks for an update that may be killed or fail:

- each sub-writer dies with the update (a forked sub-writer would otherwise wait for work
  forever, holding the update's lock);
- cancelling stops the sub-writers (the distribution's cancel() only flags its own copy of
  each, so they kept waiting and the process never exited).

Only for a full build whose index already has the schema it writes: the sub-writers open the
index's own schema.
"""

from __future__ import annotations

from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from indexer.processes import die_with_parent

# Documents per batch handed to a sub-writer.
BATCH_DOCUMENTS = 256


class _SubWriter(SubWriterTask):  # type: ignore[misc]
    def run(self) -> None:
        die_with_parent()
        super().run()


class ParallelWriter(MpWriter):  # type: ignore[misc]
    """Writes documents in `procs` processes; commit() adds their segments as they are."""

    def __init__(self, ix: Any, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, batchsize=BATCH_DOCUMENTS, multisegment=True, **kwargs)

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        task.daemon = True  # never waited for at exit
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                task.terminate()
                task.join()
        finally:
            SegmentWriter.cancel(self)
