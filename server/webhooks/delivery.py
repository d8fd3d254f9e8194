"""Delivery: claim the due messages, post them signed, keep every attempt, retry with backoff.

A claim leases messages for a while (so that several deliverers, or one restarted after a
kill -9, never send the same message at once and never lose one) and counts the attempt
before it is made: a copy sent again after a crash carries a higher `webhook-attempt`. Order:
a message is claimable only when no earlier message of its endpoint and consent id is still
pending, so a consent id's events arrive in order, each waiting for the one before to be
delivered or given up.
"""

from __future__ import annotations

import http.client
import random
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import signing, vault
from .outbox import message_id
from .tables import attempts, endpoints, messages

# What is kept of an answer's body or an error: enough to diagnose, never a whole body.
EXCERPT = 300
USER_AGENT = "consent-banner-webhooks/1"


@dataclass(frozen=True)
class Policy:
    """The CONSENT_WEBHOOK_* settings, in seconds."""

    timeout: float
    backoff: float
    backoff_max: float
    give_up: float
    settle: float = 0.0

    @classmethod
    def of(cls, config) -> Policy:
        return cls(config["CONSENT_WEBHOOK_TIMEOUT"], config["CONSENT_WEBHOOK_BACKOFF"],
                   config["CONSENT_WEBHOOK_BACKOFF_MAX"], config["CONSENT_WEBHOOK_GIVE_UP"],
                   config["CONSENT_WEBHOOK_SETTLE"])

    def wait(self, attempt: int) -> float:
        """Exponential, halved at random (equal jitter): retries of many messages failed at
        once spread out instead of hitting the endpoint together again."""
        ceiling = min(self.backoff_max, self.backoff * 2 ** min(attempt - 1, 40))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    payload: str
    attempt: int
    created_at: datetime
    url: str
    # None: it does not open with this server's key (vault.Unreadable).
    secret: str | None


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None
    detail: str | None
    duration_ms: int


_EARLIER = messages.alias("earlier")


def _aware(moment: datetime) -> datetime:
    # SQLite hands back what was written, in UTC, without the zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def claim(engine: Engine, key: bytes, now: datetime, limit: int, lease: float,
          settle: float = 0.0) -> list[Claimed]:
    """Lease up to `limit` due messages, oldest first, at most one per endpoint and consent id,
    and count their attempt. Only messages `settle` seconds old: two events of one consent id
    written by two workers at once may commit in the other order than their ids, and the
    later one must not go out while the earlier one is still invisible."""
    blocked = sa.exists().where(_EARLIER.c.endpoint_id == messages.c.endpoint_id,
                                _EARLIER.c.consent_id == messages.c.consent_id,
                                _EARLIER.c.state == "pending", _EARLIER.c.id < messages.c.id)
    due = (sa.select(messages.c.id).where(
        messages.c.state == "pending", messages.c.next_at <= now,
        messages.c.created_at <= now - timedelta(seconds=settle),
        sa.or_(messages.c.leased_until.is_(None), messages.c.leased_until <= now), ~blocked)
        .order_by(messages.c.id).limit(limit))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Another deliverer's claim in progress is skipped, not waited for.
            due = due.with_for_update(skip_locked=True, of=messages)
        else:
            # The write lock first: no other deliverer claims between the look-up and the lease.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        ids = connection.execute(due).scalars().all()
        if not ids:
            return []
        connection.execute(messages.update().where(messages.c.id.in_(ids)).values(
            leased_until=now + timedelta(seconds=lease), attempts=messages.c.attempts + 1))
        rows = connection.execute(
            sa.select(messages.c.id, messages.c.event_id, messages.c.payload,
                      messages.c.attempts, messages.c.created_at, endpoints.c.url,
                      endpoints.c.site, endpoints.c.secret_sealed)
            .join(endpoints, endpoints.c.id == messages.c.endpoint_id)
            .where(messages.c.id.in_(ids)).order_by(messages.c.id)).all()
    return [Claimed(r.id, r.event_id, r.payload, r.attempts, _aware(r.created_at), r.url,
                    _secret(r, key)) for r in rows]


def _secret(row, key: bytes) -> str | None:
    try:
        return vault.unseal(row.secret_sealed, key, row.site, row.url)
    except vault.Unreadable:
        return None


# The attempt kept when a message cannot be signed.
UNSIGNABLE = Outcome(False, None, "not sent: this endpoint's secret does not open with the "
                     "server's secret (CONSENT_SECRET changed); register the endpoint again", 0)


def post(url: str, headers: dict[str, str], body: str, timeout: float) -> Outcome:
    """One POST; a 2xx answer delivers. Redirects are not followed (they are answers too)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    began = time.monotonic()
    try:
        connection.request("POST", path, body=body.encode(),
                           headers={**headers, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        status, delivered, detail = response.status, 200 <= response.status < 300, excerpt
    except (OSError, http.client.HTTPException) as error:
        status, delivered = None, False
        detail = f"{error.__class__.__name__}: {error}"[:EXCERPT]
    finally:
        connection.close()
    return Outcome(delivered, status, detail or None,
                   int((time.monotonic() - began) * 1000))


def settle(engine: Engine, message: Claimed, outcome: Outcome, now: datetime,
           policy: Policy) -> str:
    """Keep the attempt and the message's next state: delivered, failed (given up) or pending
    until its next try. Returns the state."""
    deadline = message.created_at + timedelta(seconds=policy.give_up)
    if outcome.delivered:
        change = {"state": "delivered", "finished_at": now}
    elif now >= deadline:
        change = {"state": "failed", "finished_at": now}
    else:
        # The last try comes at the deadline, not after it.
        retry = min(now + timedelta(seconds=policy.wait(message.attempt)), deadline)
        change = {"state": "pending", "next_at": retry}
    with engine.begin() as connection:
        connection.execute(attempts.insert().values(
            message_id=message.id, number=message.attempt, at=now,
            duration_ms=outcome.duration_ms, status_code=outcome.status_code,
            delivered=outcome.delivered, detail=outcome.detail))
        connection.execute(messages.update().where(messages.c.id == message.id)
                           .values(leased_until=None, **change))
    return change["state"]


def deliver_once(engine: Engine, key: bytes, policy: Policy, limit: int = 20) -> dict[str, int]:
    """One round: claim what is due, send it, settle each. Counts per resulting state."""
    claimed = claim(engine, key, datetime.now(UTC), limit, policy.timeout * limit + 2,
                    policy.settle)
    counts: dict[str, int] = {}
    for message in claimed:
        if message.secret is None:
            outcome = UNSIGNABLE
        else:
            headers = signing.headers(message.secret, message_id(message.event_id),
                                      datetime.now(UTC), message.payload, message.attempt)
            outcome = post(message.url, headers, message.payload, policy.timeout)
        state = settle(engine, message, outcome, datetime.now(UTC), policy)
        counts[state] = counts.get(state, 0) + 1
    return counts


def recent(engine: Engine, site: str, limit: int = 50) -> list[dict]:
    """The site's latest messages, newest first, each with its attempts (for the console)."""
    query = (sa.select(messages.c.id, messages.c.event_id, messages.c.consent_id,
                       messages.c.state, messages.c.attempts, messages.c.created_at,
                       messages.c.next_at, endpoints.c.url)
             .join(endpoints, endpoints.c.id == messages.c.endpoint_id)
             .where(endpoints.c.site == site).order_by(messages.c.id.desc()).limit(limit))
    with engine.connect() as connection:
        found = [dict(r) for r in connection.execute(query).mappings()]
        tried = connection.execute(
            sa.select(attempts).where(attempts.c.message_id.in_([m["id"] for m in found]))
            .order_by(attempts.c.id)).mappings().all()
    by_message: dict[int, list[dict]] = {}
    for attempt in tried:
        by_message.setdefault(attempt["message_id"], []).append(dict(attempt))
    for message in found:
        message["tries"] = by_message.get(message["id"], [])
        message["message_id"] = message_id(message["event_id"])
    return found
