"""Reading and writing consent events; every function takes the engine and owns its transaction."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .contract import SAME_EVENT, iso, receipt  # noqa: F401 - iso and receipt re-exported
from .tables import erased_events, events

# How far back a replayed event id is looked for. The widget drops a queued event after 30 days;
# on PostgreSQL event_id is unique per monthly partition only, so the check reads the partitions
# of this window (two or three), not seven years of them.
REPLAY_WINDOW = timedelta(days=62)

# Built once: SQLAlchemy caches their compiled form, so a batch costs no statement building.
_INSERT = events.insert()
_STORED = sa.select(events).where(events.c.event_id.in_(sa.bindparam("ids", expanding=True)))
_RECENT = _STORED.where(events.c.server_time >= sa.bindparam("since"))
_ERASED = sa.select(erased_events.c.event_key).where(
    erased_events.c.event_key.in_(sa.bindparam("keys", expanding=True)))
# Transaction-scoped locks on each event id (60 bits of it), taken in one order by every
# batch: two batches holding the same event id run one after the other, so the second sees the
# first's row. Collisions only make two unrelated batches wait for each other.
_LOCK_IDS = sa.text("SELECT count(pg_advisory_xact_lock(k)) "
                    "FROM unnest(CAST(:keys AS bigint[])) AS k")


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


def _serialise(connection, event_ids: list[str]) -> None:
    """Make the check-then-insert of these ids atomic against every other writer."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_IDS, {"keys": sorted({int(i[:15], 16) for i in event_ids})})
    else:
        # SQLite: take the write lock now (waiting up to the busy timeout), not at the
        # insert, so that no other process writes between the check and the insert.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def record_many(engine: Engine, rows: list[dict], erased_key: bytes) -> list:
    """Insert the new rows of `rows` in one transaction and commit.

    Returns, per row: (the stored row, whether it was inserted now), or the Conflict or Erased
    it met. Returning means committed. A replay (the same event id with the same event, earlier
    or within this batch) gets the stored row back.
    """
    ids = sorted({row["event_id"] for row in rows})
    keys = {event_key(i, erased_key): i for i in ids}
    with engine.begin() as connection:
        _serialise(connection, ids)
        if connection.dialect.name == "postgresql":
            since = min(row["server_time"] for row in rows) - REPLAY_WINDOW
            found = connection.execute(_RECENT, {"ids": ids, "since": since})
        else:
            found = connection.execute(_STORED, {"ids": ids})
        stored = {r["event_id"]: dict(r) for r in found.mappings()}
        erased = {keys[k] for k in connection.execute(_ERASED, {"keys": list(keys)}).scalars()}
        outcomes, new = [], []
        for row in rows:
            event_id = row["event_id"]
            first = stored.get(event_id)
            if event_id in erased:
                outcomes.append(Erased(event_id))
            elif first is None:
                stored[event_id] = row
                new.append(row)
                outcomes.append((row, True))
            elif all(_same(first, row, name) for name in SAME_EVENT):
                outcomes.append((first, False))
            else:
                outcomes.append(Conflict(event_id))
        if new:
            connection.execute(_INSERT, new)
    return outcomes


def history(engine: Engine, consent_id: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(events).where(events.c.consent_id == consent_id)
                                  .order_by(events.c.id)).mappings().all()
    return [dict(r) for r in rows]


def sites_of(engine: Engine, consent_id: str) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(events.c.site).distinct()
                                       .where(events.c.consent_id == consent_id)).scalars())


def erase(engine: Engine, consent_id: str, erased_key: bytes) -> int:
    """Delete the visitor's events and remember their ids (hashed) in one transaction."""
    with engine.begin() as connection:
        ids = connection.execute(sa.select(events.c.event_id)
                                 .where(events.c.consent_id == consent_id)).scalars().all()
        if ids:
            now = datetime.now(UTC)
            connection.execute(erased_events.insert(), [
                {"event_key": event_key(i, erased_key), "erased_at": now} for i in ids])
        return connection.execute(
            events.delete().where(events.c.consent_id == consent_id)).rowcount


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
            deleted = connection.execute(events.delete().where(events.c.id.in_(ids))).rowcount
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


# --- PostgreSQL's monthly partitions (migration 0003); SQLite keeps one table -------------

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
        connection.execute(sa.text(f'DROP TABLE "{name}"'))
    return held
