"""The database engine: one per app, durable commits, bounded waits, and a 503 when the
database is down or does not answer in time."""

from __future__ import annotations

import math

from flask import Flask, current_app, jsonify
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

# What a 503 asks the client to wait: the widget keeps the event and sends it again then.
RETRY_AFTER = "30"


def _deadline_connection(seconds: float):
    """A psycopg connection whose every wait on the server gives up after `seconds`.

    A frozen server (stopped, or a network that drops packets without resetting) keeps its
    TCP connections open: no socket error ever comes, and PostgreSQL's statement_timeout
    runs on that same frozen server. Only a deadline on our side ends the wait.
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
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                           pool_timeout=timeout,
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


def unavailable(error: DBAPIError | PoolTimeout):
    """503 with a JSON error when the database cannot be reached, does not answer in time, or
    is not migrated."""
    # PostgreSQL says UndefinedTable (a ProgrammingError); SQLite an OperationalError.
    if isinstance(error, ProgrammingError) or "no such table" in str(getattr(error, "orig", "")):
        message = "database not migrated: run `flask --app server db upgrade`"
    else:
        message = "database unavailable, try again later"
    current_app.logger.error("database error: %s", error.__class__.__name__)
    response = jsonify(error=message, field=None)
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def init_app(app: Flask) -> None:
    app.extensions["consent_engine"] = make_engine(app.config["DATABASE_URL"],
                                                   app.config["DB_TIMEOUT"])
    # PoolTimeout: every pooled connection is busy (stuck on a slow database) past the bound.
    for error in (OperationalError, InterfaceError, ProgrammingError, PoolTimeout):
        app.register_error_handler(error, unavailable)
