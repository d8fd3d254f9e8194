"""The rights e-mail outbox: what to send is written in the transaction of what it announces
(a filed request), or recorded once per request (the reminder of a request due soon); the
sender (sender.py) sends it later. A relay that is down delays e-mail and loses none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine

from ..console.tables import owner_sites, owners
from ..sites import registry
from . import mail
from .requests import Request, open_due_before
from .tables import outbox, requests

# Owners are reminded of an open request this long before it is due (issue 12).
REMIND_BEFORE = timedelta(days=7)


def owner_addresses(connection, site: str) -> list[str]:
    """The console's owners of `site`: they answer its requests."""
    return list(connection.execute(
        sa.select(owners.c.email).join(owner_sites, owner_sites.c.owner_id == owners.c.id)
        .where(owner_sites.c.site == site).order_by(owners.c.email)).scalars())


def _site_name(site_id: str) -> str:
    site = registry().get(site_id)
    return site.manifest.get("name", site_id) if site else site_id


def _row(purpose: str, found: Request, recipient: str, now: datetime) -> dict:
    subject, body = mail.write(purpose, found, _site_name(found.site))
    return {"request_id": found.id, "purpose": purpose, "recipient": recipient,
            "subject": subject, "body": body, "created_at": now, "next_attempt_at": now,
            "attempts": 0}


def announce_new(connection, found: Request) -> None:
    """In the filing's transaction: the visitor's reference, and every owner's notice."""
    now = found.received_at
    addresses = owner_addresses(connection, found.site)
    if not addresses:
        current_app.logger.warning("rights: site %s has no console owner; nobody is told of "
                                   "request %s by e-mail", found.site, found.reference)
    connection.execute(outbox.insert(), [_row("reference", found, found.email, now)]
                       + [_row("new", found, a, now) for a in addresses])


def queue_reminders(engine: Engine, now: datetime | None = None) -> int:
    """Record one reminder per owner for each open request due within REMIND_BEFORE (overdue
    ones included) that has none yet; the number recorded. Run by every send-mail."""
    now = now or datetime.now(UTC)
    reminded = sa.select(outbox.c.request_id).where(outbox.c.purpose == "due")
    queued = 0
    for found in open_due_before(engine, now + REMIND_BEFORE, excluding=reminded):
        try:
            with engine.begin() as connection:
                rows = [_row("due", found, a, now)
                        for a in owner_addresses(connection, found.site)]
                if rows:
                    connection.execute(outbox.insert(), rows)
        except sa.exc.IntegrityError:
            continue  # another sender recorded it at the same moment: once is enough
        queued += len(rows)
    return queued


def for_request(engine: Engine, request_id: int) -> list[dict]:
    """The e-mail about one request, for its page in the console: who was told what, when."""
    query = (sa.select(outbox.c.purpose, outbox.c.recipient, outbox.c.created_at,
                       outbox.c.sent_at, outbox.c.attempts, outbox.c.last_error)
             .where(outbox.c.request_id == request_id).order_by(outbox.c.id))
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(query).mappings()]


def backlog(engine: Engine, site: str, max_attempts: int) -> tuple[int, datetime | None, int]:
    """The site's e-mail not sent yet: (waiting, since when the oldest waits, given up)."""
    pending = sa.and_(outbox.c.sent_at.is_(None), requests.c.site == site)
    waiting = sa.and_(pending, outbox.c.attempts < max_attempts)
    query = (sa.select(sa.func.count().filter(waiting), sa.func.min(outbox.c.created_at)
                       .filter(waiting), sa.func.count().filter(~waiting))
             .select_from(outbox.join(requests, requests.c.id == outbox.c.request_id))
             .where(pending))
    with engine.connect() as connection:
        count, oldest, given_up = connection.execute(query).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)  # SQLite: stored as UTC
    return count, oldest, given_up
