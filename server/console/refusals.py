"""Consents refused for their page's origin, counted per site, origin and hour, so that the
owner sees a missing CONSENT_ORIGINS_<SITE> entry in the console within minutes.

Only the site and the origin (the page's scheme, host and port, which the browser sends to
anyone) are kept: never the visitor's address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from consent_ids import matches_whole

from ..contract import ORIGIN
from ..db import get_engine
from .tables import refused_origins

# Anything that is not a well-formed origin is counted under one name: a client could
# otherwise fill the table with made-up values.
MALFORMED = "(malformed origin)"
# Kept for the console's last 24 hours, with a day to spare.
KEEP = timedelta(hours=48)

_UPSERT = sa.text(
    "INSERT INTO console_refused_origins (site, origin, hour, count) "
    "VALUES (:site, :origin, :hour, 1) "
    "ON CONFLICT (site, origin, hour) DO UPDATE SET count = console_refused_origins.count + 1"
).bindparams(sa.bindparam("hour", type_=sa.DateTime(timezone=True)))


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def note(site: str, origin: str, now: datetime | None = None) -> None:
    """Count one refused consent. Never raises: the visitor's 403 must not become a 500."""
    shown = origin.lower() if matches_whole(ORIGIN, origin) else MALFORMED
    try:
        with get_engine().begin() as connection:
            connection.execute(_UPSERT, {"site": site, "origin": shown[:256],
                                         "hour": _hour(now or datetime.now(UTC))})
    except SQLAlchemyError as exc:
        current_app.logger.warning("console: refused origin not counted (%s)",
                                   exc.__class__.__name__)


def recent(engine: Engine, site: str, now: datetime | None = None,
           hours: int = 24) -> list[tuple[str, int, datetime]]:
    """(origin, refusals, last hour seen) over the last `hours` hours, most refused first."""
    since = _hour(now or datetime.now(UTC)) - timedelta(hours=hours - 1)
    query = (sa.select(refused_origins.c.origin, sa.func.sum(refused_origins.c.count),
                       sa.func.max(refused_origins.c.hour))
             .where(refused_origins.c.site == site, refused_origins.c.hour >= since)
             .group_by(refused_origins.c.origin)
             .order_by(sa.func.sum(refused_origins.c.count).desc(), refused_origins.c.origin))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(origin, int(count), last if last.tzinfo else last.replace(tzinfo=UTC))
            for origin, count, last in rows]


def forget_old(engine: Engine, now: datetime | None = None) -> int:
    """Delete the counts older than KEEP (run with the roll-up job)."""
    with engine.begin() as connection:
        return connection.execute(refused_origins.delete().where(
            refused_origins.c.hour < (now or datetime.now(UTC)) - KEEP)).rowcount
