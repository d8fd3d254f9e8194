"""Group commit: the consents that arrive together in one process share one transaction.

Each request thread hands its row to this process's writer thread and waits. The writer takes
every row waiting (up to LIMIT), gives late-comers a short bounded window to join, writes them
in one transaction (store.record_many) and answers each thread only once that transaction has
committed: a 201 still means "on disk". While one batch commits, the next one gathers, so under
load the fsync of one commit is shared by many consents; alone, a consent waits at most the
window. SQLite's writes are serialised here too, instead of queueing on its lock.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

# Rows per transaction at most: one multi-row INSERT, well under any statement size limit.
LIMIT = 256


class WriteTimeout(Exception):
    """The batch holding the row did not commit in time (the database is frozen or slow)."""


class _Pending:
    __slots__ = ("row", "done", "outcome")

    def __init__(self, row: dict):
        self.row, self.done, self.outcome = row, threading.Event(), None


class GroupCommit:
    """`submit(row)` returns what `write` returned for the row, once committed.

    `write(rows)` writes rows in one transaction and returns one outcome per row: a value, or
    an exception to raise in the request's thread.
    """

    def __init__(self, write: Callable[[list[dict]], list], window: float, timeout: float):
        self.write, self.window, self.timeout = write, window, timeout
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.waiting: list[_Pending] = []
        self.writer_pid: int | None = None

    def submit(self, row: dict):
        pending = _Pending(row)
        with self.lock:
            # A forked worker does not inherit its parent's thread: one writer per process.
            if self.writer_pid != os.getpid():
                self.writer_pid = os.getpid()
                threading.Thread(target=self._run, name="group-commit", daemon=True).start()
            self.waiting.append(pending)
            self.arrived.notify()
        if not pending.done.wait(self.timeout):
            raise WriteTimeout(f"not committed within {self.timeout:g} s")
        if isinstance(pending.outcome, BaseException):
            raise pending.outcome
        return pending.outcome

    def _take(self) -> list[_Pending]:
        with self.lock:
            while not self.waiting:
                self.arrived.wait()
            deadline = time.monotonic() + self.window
            while len(self.waiting) < LIMIT:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.arrived.wait(left)
            batch, self.waiting = self.waiting[:LIMIT], self.waiting[LIMIT:]
        return batch

    def _run(self) -> None:
        while True:
            self._commit(self._take())

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            outcomes = self.write([p.row for p in batch])
        except DBAPIError as error:
            if len(batch) > 1 and not error.connection_invalidated and _row_fault(error):
                # One row the database refuses (it should not happen: rows are checked
                # before) must not fail the others: each alone, then.
                for pending in batch:
                    self._commit([pending])
                return
            outcomes = [error] * len(batch)
        except Exception as error:  # noqa: BLE001 - handed to the request, which answers 500
            outcomes = [error] * len(batch)
        for pending, outcome in zip(batch, outcomes, strict=True):
            pending.outcome = outcome
            pending.done.set()


def _row_fault(error: DBAPIError) -> bool:
    """A data or integrity error: about a row, not about the database being there."""
    from sqlalchemy.exc import DataError, IntegrityError

    return isinstance(error, IntegrityError | DataError)
