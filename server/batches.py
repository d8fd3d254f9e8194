"""Group commit: the consents that arrive together in one process share one transaction.

No writer thread: the request thread that finds no commit under way becomes the leader, takes
every row waiting (up to LIMIT) and writes them in one transaction (store.record_many); the
rows arriving meanwhile wait, and when that commit ends one of their threads leads the next
batch with all of them. Each thread answers only once the transaction holding its row has
committed: a 201 still means "on disk". Under load a commit's fsync is shared by every
consent that arrived during the one before; alone, a consent is written at once (plus the
window, when one is set). SQLite's writes are serialised here too, instead of queueing on its
lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

# Rows per transaction at most: one statement, well under any statement size limit.
LIMIT = 256


class WriteTimeout(Exception):
    """The batch holding the row did not commit in time (the database is frozen or slow)."""


class _Pending:
    __slots__ = ("row", "done", "outcome")

    def __init__(self, row: dict):
        self.row, self.done, self.outcome = row, False, None


class GroupCommit:
    """`submit(row)` returns what `write` returned for the row, once committed.

    `write(rows)` writes rows in one transaction and returns one outcome per row: a value, or
    an exception to raise in the request's thread. `window`: how long a leader waits for more
    rows before writing (0: not at all; batches form anyway while a commit is under way).
    """

    def __init__(self, write: Callable[[list[dict]], list], window: float, timeout: float):
        self.write, self.window, self.timeout = write, window, timeout
        self.changed = threading.Condition(threading.Lock())
        self.waiting: list[_Pending] = []
        self.leading = False

    def submit(self, row: dict):
        pending = _Pending(row)
        deadline = time.monotonic() + self.timeout
        with self.changed:
            self.waiting.append(pending)
            if len(self.waiting) >= LIMIT:
                self.changed.notify_all()  # a leader in its window: the batch is full
        while True:
            with self.changed:
                # Wait while another thread commits; lead when no one does.
                while not pending.done and self.leading:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        if pending in self.waiting:
                            self.waiting.remove(pending)  # never written after its 503
                        raise WriteTimeout(f"not committed within {self.timeout:g} s")
                    self.changed.wait(left)
                if pending.done:
                    break
                self.leading = True
            self._lead()
        if isinstance(pending.outcome, BaseException):
            raise pending.outcome
        return pending.outcome

    def _lead(self) -> None:
        """Write one batch: the rows waiting longest (this thread's among them, unless more
        than LIMIT came before it)."""
        batch: list[_Pending] = []
        try:
            if self.window:
                # Late-comers may join, unless the batch is full already.
                end = time.monotonic() + self.window
                with self.changed:
                    while len(self.waiting) < LIMIT and (left := end - time.monotonic()) > 0:
                        self.changed.wait(left)
            with self.changed:
                batch, self.waiting = self.waiting[:LIMIT], self.waiting[LIMIT:]
            self._commit(batch)
        finally:
            with self.changed:
                for pending in batch:
                    if not pending.done:  # only if _commit itself was interrupted
                        pending.outcome = WriteTimeout("the commit was interrupted")
                        pending.done = True
                self.leading = False
                self.changed.notify_all()

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            outcomes = self.write([p.row for p in batch])
        except DBAPIError as error:
            if len(batch) > 1 and not error.connection_invalidated and isinstance(
                    error, IntegrityError | DataError):
                # One row the database refuses (it should not happen: rows are checked
                # before) must not fail the others: each alone, then.
                for pending in batch:
                    self._commit([pending])
                return
            outcomes = [error] * len(batch)
        except Exception as error:  # noqa: BLE001 - handed to the request, which answers 500
            outcomes = [error] * len(batch)
        for pending, outcome in zip(batch, outcomes, strict=True):
            pending.outcome, pending.done = outcome, True
