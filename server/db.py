"""The database engine and the consent writer: one each per app, durable commits, bounded
waits, and a 503 when the database is down or does not answer in time."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from . import store
from .batches import GroupCommit, WriteTimeout
from .errors import ApiError, answer
from .webhooks import outbox

# What a 503 asks the client to wait: the widget keeps the event and sends it again then.
RETRY_AFTER = "30"
# A pooled connection the server closed (a restart, an idle timeout) fails at its first use,
# at once: the batch is then written again on a fresh connection. Only a failure this quick is
# retried: a wait that ran out its deadline is the 503 bound, not something to double.
STALE_FAILS_WITHIN = 0.5
# Pooled connections older than this are replaced instead of used: with no ping before each
# use (a round trip and a transaction per consent), this and the retry stand in for it.
RECYCLE_SECONDS = 600


def _deadline_connection(seconds: float):
    """A psycopg connection whose every wait on the server gives up after `seconds`.

    A frozen server (stopped, or a network that drops packets without resetting) keeps its
    TCP connections open: no socket error ever comes, and PostgreSQL's statement_timeout
    runs on that same frozen server. Only a deadline on our side ends the wait. psycopg has
    no public setting for it: `Connection.wait(timeout=)` is overridden, and its internal
    `_WaitTimeout` caught (tests/test_server_faults.py guards it across upgrades).
    """
    import psycopg
    from psycopg import errors

    class DeadlineConnection(psycopg.Connection):
        def wait(self, gen, interval=0.1, timeout=None):
            try:
                return super().wait(gen, interval, seconds if timeout is None else timeout)
            except errors._WaitTimeout:
                # Mid-query, the protocol state is unknown: this connection is done. Closed,
                # it counts as a disconnect, so the pool drops it and opens fresh ones.
                self.close()
                raise psycopg.OperationalError(
                    f"the database did not answer within {seconds:g} s") from None

    return DeadlineConnection


def make_engine(url: str, timeout: float = 2.0) -> Engine:
    """An engine whose every commit is on disk before it returns, and whose every wait for
    the database (connecting, a statement, a commit, a free pool slot) ends within about
    `timeout` seconds."""
    if url.startswith("sqlite"):
        # A writer waits for another worker's transaction instead of failing at once.
        engine = create_engine(url, connect_args={"timeout": timeout,
                                                  "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_durable(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL: readers (exports, rights requests) never block the writers.
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: the WAL is fsynced at every commit, so an acknowledged consent survives
            # a power cut, not only a crash of the process (NORMAL would lose the last ones).
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # libpq counts connect_timeout in whole seconds, 2 at least.
    engine = create_engine(url, pool_size=5, max_overflow=5, pool_timeout=timeout,
                           pool_recycle=RECYCLE_SECONDS,
                           connect_args={"connect_timeout": max(2, math.ceil(timeout))})
    connection_class = _deadline_connection(timeout)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        return connection_class.connect(*cargs, **cparams)

    @event.listens_for(engine, "connect")
    def _postgres_durable(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            # The server's default may have been lowered for speed; a receipt must mean
            # "on disk".
            cursor.execute("SET synchronous_commit = on")
            # A slow (not frozen) server ends its own statement first, with a clear error,
            # and the connection stays usable.
            cursor.execute(f"SET statement_timeout = {int(timeout * 750)}")
            cursor.execute(f"SET lock_timeout = {int(timeout * 500)}")
        dbapi_connection.commit()

    return engine


def get_engine() -> Engine:
    return current_app.extensions["consent_engine"]


def _writer(engine: Engine, erased_key: bytes, window: float, timeout: float,
            hooked: outbox.Sites) -> GroupCommit:
    def write(rows: list[dict]) -> list:
        began = time.monotonic()
        try:
            return store.record_many(engine, rows, erased_key, timeout, hooked())
        except DBAPIError as error:
            if not error.connection_invalidated or time.monotonic() - began > STALE_FAILS_WITHIN:
                raise
        # Idempotent: rows that did commit before the failure are found and answered as such.
        return store.record_many(engine, rows, erased_key, timeout, hooked())

    # A request waits for the batch under way (one deadline), then for its own (another).
    return GroupCommit(write, window, window + 2 * timeout + 0.5)


def unavailable(error: Exception):
    """503 with a JSON error when the database cannot be reached, does not answer in time, or
    is not migrated."""
    # PostgreSQL says UndefinedTable (a ProgrammingError); SQLite an OperationalError.
    if isinstance(error, ProgrammingError) or "no such table" in str(getattr(error, "orig", "")):
        message = "database not migrated: run `flask --app server db upgrade`"
    else:
        message = "database unavailable, try again later"
    current_app.logger.error("database error: %s", error.__class__.__name__)
    return answer(ApiError(503, message, None, {"Retry-After": RETRY_AFTER}))


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config["CONSENT_DB_TIMEOUT"])
    app.extensions["consent_engine"] = engine
    # The sites with webhook endpoints, kept in memory for the writer's hot path.
    app.extensions["consent_webhook_sites"] = outbox.Sites(engine)
    app.extensions["consent_writer"] = _writer(
        engine, app.extensions["consent_keys"]["erased"], app.config["CONSENT_BATCH_WINDOW"],
        app.config["CONSENT_DB_TIMEOUT"], app.extensions["consent_webhook_sites"])
    # PoolTimeout: every pooled connection is busy (stuck on a slow database) past the bound.
    for error in (OperationalError, InterfaceError, ProgrammingError, PoolTimeout, WriteTimeout):
        app.register_error_handler(error, unavailable)
