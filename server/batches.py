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
    """One row and its thread, which sleeps on `wake` until its row is committed (`done`) or
    it is made the next leader (`lead`): each waiting thread is woken once, by name."""

    __slots__ = ("row", "outcome", "done", "lead", "wake")

    def __init__(self, row: dict):
        self.row, self.outcome, self.done, self.lead = row, None, False, False
        self.wake = threading.Lock()
        self.wake.acquire()


class GroupCommit:
    """`submit(row)` returns what `write` returned for the row, once committed.

    `write(rows)` writes rows in one transaction and returns one outcome per row: a value, or
    an exception to raise in the request's thread. `window`: how long a leader waits for more
    rows before writing (0: not at all; batches form anyway while a commit is under way).
    """

    def __init__(self, write: Callable[[list[dict]], list], window: float, timeout: float):
        self.write, self.window, self.timeout = write, window, timeout
        self.lock = threading.Lock()
        self.waiting: list[_Pending] = []
        self.leading = False

    def submit(self, row: dict):
        pending = _Pending(row)
        deadline = time.monotonic() + self.timeout
        with self.lock:
            self.waiting.append(pending)
            # Lead when no commit is under way; else sleep until woken.
            pending.lead = not self.leading
            self.leading = True
        while not pending.done:
            if pending.lead:
                pending.lead = False
                self._lead(pending)
            elif not pending.wake.acquire(timeout=max(0.0, deadline - time.monotonic())):
                with self.lock:
                    if not (pending.done or pending.lead):
                        if pending in self.waiting:
                            self.waiting.remove(pending)  # never written after its 503
                        raise WriteTimeout(f"not committed within {self.timeout:g} s")
        if isinstance(pending.outcome, BaseException):
            raise pending.outcome
        return pending.outcome

    def _lead(self, leader: _Pending) -> None:
        """Write one batch, the rows waiting longest (the leader's among them, unless more
        than LIMIT came before it); then wake each of its threads and hand the lead on."""
        if self.window:
            time.sleep(self.window)  # late-comers may join
        with self.lock:
            batch, self.waiting = self.waiting[:LIMIT], self.waiting[LIMIT:]
        try:
            self._commit(batch)
        finally:
            for pending in batch:
                if not pending.done:  # only if _commit itself was interrupted
                    pending.outcome = WriteTimeout("the commit was interrupted")
                    pending.done = True
            with self.lock:
                following = self.waiting[0] if self.waiting else None
                if following is None:
                    self.leading = False
                else:
                    following.lead = True
            for pending in batch:
                if pending is not leader:
                    pending.wake.release()
            if following is not None and following is not leader:
                following.wake.release()

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
