"""Reading and writing consent events; every function takes the engine and owns its transaction."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .tables import erased_events, events

# What a replay must repeat for its stored receipt to be handed back: everything the
# visitor's browser sent (how it reached us, user agent and network, may change).
SAME_EVENT = ("consent_id", "site", "revision", "action", "choices", "language", "page_url",
              "gpc", "client_time")


def iso(moment: datetime | None) -> str | None:
    """UTC, microseconds, `Z`: the one text form of a time in receipts and exports."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        # SQLite hands back what was written, in UTC, without the zone.
        moment = moment.replace(tzinfo=UTC)
    # %Y is not zero-padded below the year 1000 on every platform: written out instead.
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.strftime('%m-%dT%H:%M:%S.%f')}Z"


def receipt(row: dict, key: bytes) -> str:
    """A keyed hash of what was recorded: the visitor can show it, only the server can make it."""
    signed = {name: row[name] for name in (
        "event_id", "consent_id", "site", "revision", "action", "choices", "language",
        "page_url", "gpc")}
    signed["server_time"] = iso(row["server_time"])
    text = json.dumps(signed, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


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


def record(engine: Engine, row: dict, erased_key: bytes) -> tuple[dict, bool]:
    """Insert `row` and commit; on a replayed event id return the stored row instead.

    Returns (the stored row, whether it was inserted now). Returning means committed.
    Raises Conflict for an event id used by another event, Erased for an erased event.
    """
    try:
        with engine.begin() as connection:
            gone = connection.execute(sa.select(erased_events.c.event_key).where(
                erased_events.c.event_key == event_key(row["event_id"], erased_key))).first()
            if gone is not None:
                raise Erased(row["event_id"])
            connection.execute(events.insert().values(**row))
        return row, True
    except IntegrityError:
        with engine.connect() as connection:
            stored = connection.execute(
                sa.select(events).where(events.c.event_id == row["event_id"])).mappings().first()
        if stored is None:
            raise
        stored = dict(stored)
        if not all(_same(stored, row, name) for name in SAME_EVENT):
            raise Conflict(row["event_id"]) from None
        return stored, False


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
        # Delete first: an erasure running at the same moment waits on these rows, then
        # finds none left, instead of both remembering the same ids (a key conflict).
        ids = connection.execute(events.delete().where(events.c.consent_id == consent_id)
                                 .returning(events.c.event_id)).scalars().all()
        if ids:
            now = datetime.now(UTC)
            connection.execute(erased_events.insert(), [
                {"event_key": event_key(i, erased_key), "erased_at": now} for i in set(ids)])
        return len(ids)


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
