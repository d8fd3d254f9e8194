"""Builders shared by the server tests: a valid consent event and reading rows back."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

CATEGORIES = ("essential", "performance", "functionality", "targeting", "social")
ENDPOINT = "/api/v1/consents"
# The window of the rate-limit tests: limits count in fixed windows, and a test's few requests
# must not straddle a window's end (with 60 s windows, about once in a hundred runs).
DAY = 86400


def event(**changes) -> dict:
    """A valid KPpay event (accept_all); keyword arguments replace or add fields."""
    body = {
        "site": "kppay", "revision": 1,
        "consent_id": uuid.uuid4().hex, "event_id": uuid.uuid4().hex,
        "action": "accept_all", "choices": {c: True for c in CATEGORIES},
        "language": "fr", "page_url": "https://www.kppay.tg/tarifs",
        "gpc": False, "client_time": "2026-11-25T08:30:00.000Z",
    }
    body.update(changes)
    return body


def post(client, body, content_type="text/plain;charset=UTF-8", **headers):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(ENDPOINT, data=data, content_type=content_type, headers=headers)


def rows(app, **where) -> list[dict]:
    from server.tables import events

    query = sa.select(events)
    for name, value in where.items():
        query = query.where(events.c[name] == value)
    with app.extensions["consent_engine"].connect() as connection:
        return [dict(r) for r in connection.execute(query.order_by(events.c.id)).mappings()]


def write_rows(engine, batch: list[dict]) -> None:
    """Rows written straight into the table at their own server times, as the POST would have
    written them then: the server only writes now, so other months get their partitions first."""
    from server.store import add_months
    from server.tables import events

    with engine.begin() as connection:
        months = {row["server_time"].replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                  for row in batch}
        for moment in months:
            add_months(connection, moment, 1)
        connection.execute(events.insert(), batch)
