"""Filing, listing and answering rights requests. A request's state is read from its trail
(open until a `done` or `refused` step), so nothing but the trail records what happened."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .tables import CLOSING, requests, trail

# The random part of a reference: 60 bits in 12 characters a visitor can read out and type
# (no 0/O or 1/I/L to confuse).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 12


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive times: they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Request:
    id: int
    reference: str
    site: str
    kind: str
    consent_id: str | None
    email: str
    message: str
    language: str
    received_at: datetime
    due_at: datetime
    answer: str | None  # the closing step, None while open

    def days_left(self, now: datetime) -> int:
        """Whole days until the due date (negative once overdue; 0 on the day it is due)."""
        return (self.due_at.date() - now.astimezone(UTC).date()).days

    def overdue(self, now: datetime) -> bool:
        return self.answer is None and now >= self.due_at


def _answer():
    """The closing step of each request, if any (a correlated subquery)."""
    return (sa.select(trail.c.step).where(trail.c.request_id == requests.c.id,
                                          trail.c.step.in_(CLOSING))
            .order_by(trail.c.id).limit(1).scalar_subquery().label("answer"))


def _request(row) -> Request:
    values = dict(row)
    values["received_at"] = _utc(values["received_at"])
    values["due_at"] = _utc(values["due_at"])
    return Request(**values)


def file(engine: Engine, site: str, days: int, kind: str, consent_id: str | None, email: str,
         message: str, language: str, now: datetime | None = None,
         announce=None) -> Request:
    """Store a visitor's request, due `days` after now, with its `received` step;
    `announce(connection, request)` writes in the same transaction (its e-mail)."""
    received = now or datetime.now(UTC)
    values = {"reference": new_reference(), "site": site, "kind": kind,
              "consent_id": consent_id, "email": email, "message": message,
              "language": language, "received_at": received,
              "due_at": received + timedelta(days=days)}
    with engine.begin() as connection:
        request_id = connection.execute(requests.insert().values(**values)
                                        .returning(requests.c.id)).scalar_one()
        connection.execute(trail.insert().values(request_id=request_id, step="received",
                                                 at=received))
        made = Request(id=request_id, answer=None, **values)
        if announce is not None:
            announce(connection, made)
    return made


def open_requests(engine: Engine, site: str) -> list[Request]:
    """The site's unanswered requests, the soonest due first."""
    query = (sa.select(*requests.c, _answer()).where(requests.c.site == site)
             .order_by(requests.c.due_at, requests.c.id))
    with engine.connect() as connection:
        found = [_request(r) for r in connection.execute(query).mappings()]
    return [r for r in found if r.answer is None]


def open_due_before(engine: Engine, moment: datetime, excluding) -> list[Request]:
    """Every site's unanswered requests due before `moment`, but those whose id `excluding`
    (a select of request ids) returns."""
    answered = sa.exists().where(trail.c.request_id == requests.c.id,
                                 trail.c.step.in_(CLOSING))
    query = (sa.select(*requests.c, sa.null().label("answer"))
             .where(requests.c.due_at < moment, ~answered, requests.c.id.not_in(excluding))
             .order_by(requests.c.due_at, requests.c.id))
    with engine.connect() as connection:
        return [_request(r) for r in connection.execute(query).mappings()]


def get(engine: Engine, site: str, reference: str) -> Request | None:
    """One of the site's requests by its reference (another site's is not found)."""
    query = sa.select(*requests.c, _answer()).where(requests.c.site == site,
                                                     requests.c.reference == reference)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return _request(row) if row else None


def steps(engine: Engine, request_id: int) -> list[dict]:
    query = (sa.select(trail.c.step, trail.c.at, trail.c.actor, trail.c.text)
             .where(trail.c.request_id == request_id).order_by(trail.c.id))
    with engine.connect() as connection:
        return [{**r, "at": _utc(r["at"])} for r in connection.execute(query).mappings()]


class Closed(Exception):
    """The request was already answered: nothing more is added to it."""


def add_step(connection, request: Request, step: str, actor: str, text: str | None = None,
             now: datetime | None = None) -> None:
    """Append one step in the caller's transaction; Closed once the request is answered."""
    answered = connection.execute(sa.select(trail.c.id).where(
        trail.c.request_id == request.id, trail.c.step.in_(CLOSING)).limit(1)).first()
    if answered is not None:
        raise Closed(request.reference)
    try:
        connection.execute(trail.insert().values(request_id=request.id, step=step,
                                                 at=now or datetime.now(UTC), actor=actor,
                                                 text=text))
    except sa.exc.IntegrityError:
        if step not in CLOSING:
            raise
        raise Closed(request.reference) from None  # answered at the same moment
