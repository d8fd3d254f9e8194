"""Reading and writing consent events; every function takes the engine and owns its transaction."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from .account_links.links import unlink_consent
from .contract import FIELDS, SAME_EVENT, iso, receipt  # noqa: F401 - iso and receipt re-exported
from .tables import erased_events, event_ids, events
from .webhooks import outbox

# Built once: SQLAlchemy caches their compiled form, so a batch costs no statement building.
_INSERT = events.insert()
_INSERT_IDS = event_ids.insert()
_STORED = sa.select(events).where(events.c.event_id.in_(sa.bindparam("ids", expanding=True)))
_TAKEN = sa.select(event_ids.c.event_id).where(
    event_ids.c.event_id.in_(sa.bindparam("ids", expanding=True)))
_ERASED = sa.select(erased_events.c.event_key).where(
    erased_events.c.event_key.in_(sa.bindparam("keys", expanding=True)))
_COLUMNS = tuple(f.name for f in FIELDS)


def _batch_statement(queue: bool = False) -> str:
    """PostgreSQL: a whole batch in one statement, one round trip, one parameter (the rows as
    a JSON array, typed by the table's own column types). The event ids the database has never
    seen (and that were not erased) go into consent_event_ids, whose primary key decides
    between concurrent batches, and only their events are inserted. It returns the ids inserted
    now; the others are replays, conflicts or erased events (`_settle`). `queue`: the variant
    that also queues the webhooks of the inserted events (rows with a `hook` body), for the
    batches of sites that have endpoints."""
    dialect = postgresql.dialect()
    typed = ", ".join(f"{name} {events.c[name].type.compile(dialect=dialect)}"
                      for name in _COLUMNS)
    columns = ", ".join(_COLUMNS)
    extra = ", hook text, seq integer" if queue else ""
    insert = (f"INSERT INTO consent_events ({columns}) SELECT {columns} FROM batch "
              "WHERE event_id IN (SELECT event_id FROM fresh) RETURNING event_id")
    head = ("WITH batch AS (SELECT * FROM jsonb_to_recordset(CAST(%s AS jsonb)) "
            f"AS b({typed}, erased_key varchar{extra})), "
            "fresh AS (INSERT INTO consent_event_ids (event_id) SELECT event_id FROM batch "
            "WHERE NOT EXISTS (SELECT 1 FROM erased_events e WHERE e.event_key = erased_key) "
            "ON CONFLICT DO NOTHING RETURNING event_id) ")
    if not queue:
        return head + insert
    return (f"{head}, stored AS ({insert}), {outbox.postgresql_cte('batch', 'stored')} "
            "SELECT event_id FROM stored")


# Bytes: psycopg then finds its converted form in its cache without encoding it each time.
_BATCH = _batch_statement().encode()
# Made once: json.dumps with arguments builds an encoder per call.
_BATCH_JSON = json.JSONEncoder(default=datetime.isoformat)
_BATCH_QUEUED = _batch_statement(queue=True).encode()


class Conflict(Exception):
    """The event id was already used for a different event."""


class Erased(Exception):
    """The event was erased at the visitor's request; it is not recorded again."""


def event_key(event_id: str, key: bytes) -> str:
    """What is kept of an erased event: a keyed hash of its id, which names nobody."""
    return hmac.new(key, event_id.encode(), hashlib.sha256).hexdigest()


def _same(stored: dict, row: dict, name: str) -> bool:
    if name == "client_time":
        return iso(stored[name]) == iso(row[name])
    return stored[name] == row[name]


def _insert_new_postgresql(engine: Engine, rows: list[dict], erased_key: bytes,
                           hooks: list[str | None]) -> set[str]:
    """One transaction of one statement on a pooled connection, through psycopg itself: the
    hot path, where SQLAlchemy's own work per statement (results, transactions) costs more
    than the statement. Errors come out as SQLAlchemy's, as from any other query. `hooks`:
    per row, its webhook body or None (outbox.payloads)."""
    import psycopg

    statement = _BATCH
    if any(hooks):
        statement = _BATCH_QUEUED
        rows = [{**row, "hook": hook, "seq": seq}
                for seq, (row, hook) in enumerate(zip(rows, hooks, strict=True))]
    batch = _BATCH_JSON.encode([{**row, "erased_key": event_key(row["event_id"], erased_key)}
                                for row in rows])
    pooled = None
    try:
        pooled = engine.raw_connection()
        connection = pooled.driver_connection
        # One statement is its own transaction: committed (on disk) when it returns, with no
        # BEGIN and COMMIT round trips around it.
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, (batch,), prepare=True)
                return {event_id for (event_id,) in cursor.fetchall()}
        finally:
            if not connection.closed:
                connection.autocommit = False
    except psycopg.Error as error:
        # Not connected at all, or a connection that broke: the pool opens a fresh one.
        gone = pooled is None or engine.dialect.is_disconnect(error, pooled.dbapi_connection,
                                                              None)
        if gone and pooled is not None:
            pooled.invalidate(error)
        raise sa.exc.DBAPIError.instance(statement.decode(), None, error, psycopg.Error,
                                         connection_invalidated=gone,
                                         dialect=engine.dialect) from None
    finally:
        if pooled is not None:
            pooled.close()  # back to the pool


def _insert_new_sqlite(connection, rows: list[dict], erased_key: bytes,
                       hooks: list[str | None]) -> set[str]:
    # The write lock first (waiting up to the busy timeout), so that no other process writes
    # between the look-up and the insert.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    ids = [row["event_id"] for row in rows]
    taken = set(connection.execute(_TAKEN, {"ids": ids}).scalars())
    keys = {event_key(i, erased_key): i for i in ids if i not in taken}
    erased = {keys[k] for k in connection.execute(_ERASED, {"keys": list(keys)}).scalars()}
    kept = [(row, hook) for row, hook in zip(rows, hooks, strict=True)
            if row["event_id"] not in taken | erased]
    new = [row for row, _hook in kept]
    if new:
        connection.execute(_INSERT_IDS, [{"event_id": row["event_id"]} for row in new])
        connection.execute(_INSERT, new)
        outbox.queue_sqlite(connection, new, [hook for _row, hook in kept])
    return {row["event_id"] for row in new}


# SQLite: each worker's batches wait for the other workers' on a lock file beside the database.
# SQLite's own busy handler sleeps 25 to 100 ms between tries (the p99 of a file shared by
# several workers); a lock file is looked at every half millisecond.
_LOCK_FILES: dict[tuple[int, str], int] = {}
_LOCK_POLL = 0.0005


@contextmanager
def _workers_in_turn(engine: Engine, wait: float):
    path = engine.url.database
    if not path or path == ":memory:":
        yield
        return
    key = (os.getpid(), path)
    if key not in _LOCK_FILES:  # per process: a lock file's lock belongs to its opening
        try:
            _LOCK_FILES[key] = os.open(f"{path}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield  # no folder, read-only: SQLite reports what is wrong
            return
    descriptor = _LOCK_FILES[key]
    # Bounded: past the busy timeout, SQLite's own lock (and its timeout) decide.
    deadline = time.monotonic() + wait
    held = False
    while not held:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            if time.monotonic() > deadline:
                break
            time.sleep(_LOCK_POLL)
    try:
        yield
    finally:
        if held:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


# PostgreSQL's check_violation, which is what a row with no partition for its month meets.
_NO_PARTITION = "23514"


def record_many(engine: Engine, rows: list[dict], erased_key: bytes, wait: float = 2.0,
                hooked: frozenset[str] = frozenset()) -> list:
    """Insert the new rows of `rows` in one transaction and commit; in the same transaction,
    queue a webhook message per endpoint for each row inserted whose site is in `hooked` (the
    sites with endpoints, outbox.Sites).

    Returns, per row: (the stored row, whether it was inserted now), or the Conflict or Erased
    it met. Returning means committed. A replay (the same event id with the same event, earlier
    or within this batch) gets the stored row back. `wait`: the database's timeout.
    """
    first: dict[str, dict] = {}
    for row in rows:
        first.setdefault(row["event_id"], row)
    hooks = outbox.payloads(list(first.values()), hooked)
    if engine.dialect.name == "postgresql":
        try:
            inserted = _insert_new_postgresql(engine, list(first.values()), erased_key, hooks)
        except sa.exc.IntegrityError as error:
            if getattr(error.orig, "sqlstate", None) != _NO_PARTITION:
                raise
            # This month has no partition (the daily purge, which makes them 12 months ahead,
            # has not run for a year): the writer makes it, rather than refuse every consent.
            with engine.begin() as connection:
                add_months(connection, min(row["server_time"] for row in first.values()), 2)
            inserted = _insert_new_postgresql(engine, list(first.values()), erased_key, hooks)
        if len(inserted) < len(first):
            # Replays, conflicts, erased events: what the database holds for them, read once
            # the batch has committed (the rows in the way had committed before it).
            with engine.begin() as connection:
                _settle(connection, [i for i in first if i not in inserted], first, inserted,
                        erased_key)
    else:
        with _workers_in_turn(engine, wait), engine.begin() as connection:
            inserted = _insert_new_sqlite(connection, list(first.values()), erased_key, hooks)
            if len(inserted) < len(first):
                _settle(connection, [i for i in first if i not in inserted], first, inserted,
                        erased_key)
    outcomes = []
    for row in rows:
        event_id = row["event_id"]
        stored = first[event_id]
        if isinstance(stored, Exception):
            outcomes.append(stored)
        elif stored is row:
            outcomes.append((row, event_id in inserted))
        elif all(_same(stored, row, name) for name in SAME_EVENT):
            outcomes.append((stored, False))
        else:
            outcomes.append(Conflict(event_id))
    return outcomes


def _settle(connection, earlier: list[str], first: dict, inserted: set, erased_key: bytes):
    """The ids already taken (or erased): `first` then maps each to its stored row (a replay
    or a conflict, told apart by the caller) or to Erased. In the batch's transaction."""
    stored = {r["event_id"]: dict(r) for r in connection.execute(
        _STORED, {"ids": earlier}).mappings()}
    keys = {event_key(i, erased_key): i for i in earlier if i not in stored}
    erased = {keys[k] for k in connection.execute(_ERASED, {"keys": list(keys)}).scalars()}
    lost = []
    for event_id in earlier:
        if event_id in stored:
            first[event_id] = stored[event_id]
        elif event_id in erased:
            first[event_id] = Erased(event_id)
        else:
            # Its id is taken but its row is missing (deleted by hand): stored again.
            lost.append(first[event_id])
    if lost:
        connection.execute(_INSERT, lost)
        inserted.update(row["event_id"] for row in lost)


def history(engine: Engine, consent_id: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(events).where(events.c.consent_id == consent_id)
                                  .order_by(events.c.id)).mappings().all()
    return [dict(r) for r in rows]


def site_ids(engine: Engine) -> list[str]:
    """Every site that has events."""
    with engine.connect() as connection:
        return sorted(connection.execute(sa.select(events.c.site).distinct()).scalars())


def sites_of(engine: Engine, consent_id: str) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(events.c.site).distinct()
                                       .where(events.c.consent_id == consent_id)).scalars())


def erase(engine: Engine, consent_id: str, erased_key: bytes) -> int:
    """Delete the visitor's events and their ids, and remember the ids (hashed) in one
    transaction."""
    with engine.begin() as connection:
        return erase_in(connection, consent_id, erased_key)


def erase_in(connection, consent_id: str, erased_key: bytes) -> int:
    """`erase` in the caller's transaction (the rights inbox writes its trail step in it)."""
    # Delete first: an erasure running at the same moment waits on these rows, then finds
    # none left, instead of both remembering the same ids (a key conflict).
    ids = connection.execute(events.delete().where(events.c.consent_id == consent_id)
                             .returning(events.c.event_id)).scalars().all()
    # An erased consent id is no one's any more: its account links go with its records.
    unlink_consent(connection, consent_id)
    if ids:
        now = datetime.now(UTC)
        connection.execute(erased_events.insert(), [
            {"event_key": event_key(i, erased_key), "erased_at": now} for i in set(ids)])
        _forget(connection, ids)
    return len(ids)


def _forget(connection, ids: list[str]) -> None:
    """Delete these ids from event_ids, and their webhook messages (their events were deleted
    in this transaction)."""
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        connection.execute(event_ids.delete().where(event_ids.c.event_id.in_(chunk)))
        outbox.forget(connection, chunk)


def _expired(site: str | None, others: list[str], cutoff: datetime):
    """Events older than `cutoff` of one site, or of every site not in `others`."""
    older = events.c.server_time < cutoff
    if site is not None:
        return sa.and_(events.c.site == site, older)
    if others:
        return sa.and_(events.c.site.not_in(others), older)
    return older


def count_expired(engine: Engine, site: str | None, others: list[str], cutoff: datetime) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(events)
                                  .where(_expired(site, others, cutoff))).scalar_one()


def purge_batches(engine: Engine, site: str | None, others: list[str], cutoff: datetime,
                  batch: int) -> Iterator[int]:
    """Delete expired events `batch` rows per transaction; yield each batch's count.

    Short transactions keep the server's inserts flowing between batches (SQLite has one
    writer at a time; PostgreSQL locks only the rows deleted).
    """
    while True:
        ids = (sa.select(events.c.id).where(_expired(site, others, cutoff))
               .order_by(events.c.id).limit(batch))
        with engine.begin() as connection:
            gone = connection.execute(events.delete().where(events.c.id.in_(ids))
                                      .returning(events.c.event_id)).scalars().all()
            _forget(connection, gone)
        deleted = len(gone)
        if deleted:
            yield deleted
        if deleted < batch:
            return


def stream(engine: Engine, start: datetime, end: datetime, site: str | None,
           chunk: int = 1000) -> Iterator[dict]:
    """Events with start <= server_time < end, oldest first, fetched `chunk` rows at a time."""
    query = sa.select(events).where(events.c.server_time >= start, events.c.server_time < end)
    if site is not None:
        query = query.where(events.c.site == site)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=chunk).execute(
            query.order_by(events.c.server_time, events.c.id))
        for row in result.mappings():
            yield dict(row)


# --- PostgreSQL's monthly partitions (migration 0004); SQLite keeps one table -------------

_PARTITIONS = sa.text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                      "WHERE i.inhparent = CAST('consent_events' AS regclass) ORDER BY 1")


def add_months(connection, first: datetime, count: int) -> int:
    """Create the monthly partitions from `first`'s month on that are missing; how many."""
    if connection.dialect.name != "postgresql":
        return 0
    return connection.execute(sa.text("SELECT consent_events_add_months(:first, :count)"),
                              {"first": first, "count": count}).scalar_one()


def _month_start(name: str) -> datetime | None:
    try:
        year, month = name.removeprefix("consent_events_").split("_")
        return datetime(int(year), int(month), 1, tzinfo=UTC)
    except ValueError:
        return None


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def whole_months_before(engine: Engine, cutoff: datetime) -> list[tuple[str, datetime]]:
    """The partitions (name, first day) whose whole month is older than `cutoff`."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        names = connection.execute(_PARTITIONS).scalars().all()
    months = [(name, _month_start(name)) for name in names]
    return [(name, start) for name, start in months
            if start is not None and _next_month(start) <= cutoff]


def drop_month(engine: Engine, name: str) -> int:
    """Drop one month's partition; the number of events it held."""
    with engine.begin() as connection:
        held = connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
        connection.execute(sa.text(f'DELETE FROM consent_event_ids i USING "{name}" p '
                                   "WHERE i.event_id = p.event_id"))
        # Their webhook messages too; the attempts follow by ON DELETE CASCADE.
        connection.execute(sa.text(f'DELETE FROM webhook_messages m USING "{name}" p '
                                   "WHERE m.event_id = p.event_id"))
        connection.execute(sa.text(f'DROP TABLE "{name}"'))
    return held
