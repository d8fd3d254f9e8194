"""The database engine: one per app, durable commits, and a 503 when the database is down."""

from __future__ import annotations

from flask import Flask, current_app, jsonify
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError


def make_engine(url: str) -> Engine:
    """An engine whose every commit is on disk before it returns."""
    if url.startswith("sqlite"):
        # A writer waits up to 30 s for another worker's transaction instead of failing.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

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
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                           connect_args={"connect_timeout": 5})

    @event.listens_for(engine, "connect")
    def _postgres_durable(dbapi_connection, _record):
        # The server's default may have been lowered for speed; a receipt must mean "on disk".
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")
        dbapi_connection.commit()

    return engine


def get_engine() -> Engine:
    return current_app.extensions["consent_engine"]


def unavailable(error: DBAPIError):
    """503 with a JSON error when the database cannot be reached or is not migrated."""
    # PostgreSQL says UndefinedTable (a ProgrammingError); SQLite an OperationalError.
    if isinstance(error, ProgrammingError) or "no such table" in str(error.orig):
        message = "database not migrated: run `flask --app server db upgrade`"
    else:
        message = "database unavailable, try again later"
    current_app.logger.error("database error: %s", error.__class__.__name__)
    response = jsonify(error=message, field=None)
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


def init_app(app: Flask) -> None:
    app.extensions["consent_engine"] = make_engine(app.config["DATABASE_URL"])
    for error in (OperationalError, InterfaceError, ProgrammingError):
        app.register_error_handler(error, unavailable)
