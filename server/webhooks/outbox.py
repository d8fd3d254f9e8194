"""Queueing: the messages of newly recorded events, written in the events' own transaction.

store.record_many calls in here, on its hot path: a batch none of whose sites has an endpoint
builds nothing and runs the very statement it ran before webhooks existed (`Sites` answers
from memory).
"""

from __future__ import annotations

import json
import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..contract import WEBHOOK, iso
from .tables import attempts, endpoints, messages

# How long a process trusts its list of the sites that have endpoints. An endpoint added or
# removed by another process (the CLI, another worker) is seen within this time; by this
# process's own console at once.
CACHE_SECONDS = 5.0


class Sites:
    """The sites that have at least one endpoint, read at most every CACHE_SECONDS."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.lock = threading.Lock()
        self.known: frozenset[str] = frozenset()
        self.read_at = float("-inf")

    def __call__(self) -> frozenset[str]:
        if time.monotonic() - self.read_at > CACHE_SECONDS:
            with self.lock:
                if time.monotonic() - self.read_at > CACHE_SECONDS:
                    with self.engine.connect() as connection:
                        self.known = frozenset(connection.execute(
                            sa.select(endpoints.c.site).distinct()).scalars())
                    self.read_at = time.monotonic()
        return self.known

    def forget(self) -> None:
        """Read again at the next call (an endpoint was added or removed here)."""
        self.read_at = float("-inf")


def event_type(row: dict) -> str:
    return "consent.withdrawn" if row["action"] == "withdraw" else "consent.recorded"


def payload(row: dict) -> str:
    """The body as Standard Webhooks shapes it: type, timestamp, data (the event)."""
    # An optional field an older event lacks (its release) is sent as null.
    data = {name: row.get(name) for name in WEBHOOK}
    for name in ("server_time", "client_time"):
        data[name] = iso(data[name])
    return json.dumps({"type": event_type(row), "timestamp": data["server_time"],
                       "data": data}, separators=(",", ":"), sort_keys=True)


def message_id(event_id: str) -> str:
    """The webhook-id: the same for every attempt, and for every endpoint, of one event."""
    return f"msg_{event_id}"


def payloads(rows: list[dict], sites: frozenset[str]) -> list[str | None]:
    """Per row, its message's body when its site has endpoints; None otherwise."""
    return [payload(row) if row["site"] in sites else None for row in rows]


# SQLite: one statement per queued event, fanned out to the site's endpoints by the database
# (so that an endpoint removed meanwhile gets nothing).
_QUEUE = messages.insert().from_select(
    ["endpoint_id", "consent_id", "event_id", "payload", "created_at", "next_at"],
    sa.select(endpoints.c.id, sa.bindparam("consent_id", type_=sa.String()),
              sa.bindparam("event_id", type_=sa.String()),
              sa.bindparam("payload", type_=sa.Text()),
              sa.bindparam("server_time", type_=sa.DateTime(timezone=True)),
              sa.bindparam("server_time", type_=sa.DateTime(timezone=True)))
    .where(endpoints.c.site == sa.bindparam("site")).order_by(endpoints.c.id))


def queue_sqlite(connection, rows: list[dict], bodies: list[str | None]) -> None:
    """In the caller's transaction: the messages of `rows` (just inserted), in their order."""
    queued = [{"consent_id": row["consent_id"], "event_id": row["event_id"], "payload": body,
               "server_time": row["server_time"], "site": row["site"]}
              for row, body in zip(rows, bodies, strict=True) if body is not None]
    if queued:
        connection.execute(_QUEUE, queued)


def postgresql_cte(batch: str, stored: str) -> str:
    """PostgreSQL: the CTE that queues, within the batch's one statement, a message per
    endpoint for each row of `batch` (with its `hook` body and `seq` order) found in `stored`
    (the rows the statement inserted)."""
    return ("queued AS (INSERT INTO webhook_messages "
            "(endpoint_id, consent_id, event_id, payload, created_at, next_at) "
            f"SELECT e.id, b.consent_id, b.event_id, b.hook, b.server_time, b.server_time "
            f"FROM {batch} b JOIN {stored} s ON s.event_id = b.event_id "
            "JOIN webhook_endpoints e ON e.site = b.site WHERE b.hook IS NOT NULL "
            "ORDER BY b.seq, e.id)")


def forget(connection, event_ids: list[str]) -> None:
    """In the caller's transaction: the messages of these events, delivered or not, and their
    attempts. Their events were erased at the visitor's request or purged (retention): the
    copies in the outbox go with them."""
    doomed = sa.select(messages.c.id).where(messages.c.event_id.in_(event_ids))
    connection.execute(attempts.delete().where(attempts.c.message_id.in_(doomed)))
    connection.execute(messages.delete().where(messages.c.event_id.in_(event_ids)))
