"""Sends the rights e-mail outbox through CONSENT_SMTP_URL with the standard library's smtplib.

Each row is claimed (PostgreSQL: FOR UPDATE SKIP LOCKED, so senders never wait on each other;
SQLite: its one writer), sent, and marked sent at once. The only way one message goes twice is
a sender that dies after the relay took it and before the mark is committed; the copy then
carries the same Message-ID, which mail clients fold into one. A failure is retried with a
doubling wait; a recipient the relay refuses for good is given up at once.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..config import smtp_parts
from .tables import outbox

# Seconds one SMTP exchange may take; a claim outlasts it by far, so that no other sender
# takes a message still being sent.
SMTP_TIMEOUT = 30
CLAIM = timedelta(minutes=10)
# 1, 2, 4 ... minutes, at most 6 hours apart: 14 attempts span about two days and a half.
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 14


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    given_up: int = 0


def wait_after(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** max(0, attempts - 1), LONGEST_WAIT)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def claim(engine: Engine, now: datetime) -> dict | None:
    """Take the next message due, for CLAIM; None when there is none."""
    free = sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)
    due = sa.and_(outbox.c.sent_at.is_(None), outbox.c.attempts < MAX_ATTEMPTS,
                  outbox.c.next_attempt_at <= now, free)
    with engine.begin() as connection:
        row = connection.execute(sa.select(outbox).where(due)
                                 .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(1)
                                 .with_for_update(skip_locked=True)).mappings().first()
        if row is None:
            return None
        # Conditional: on SQLite another sender may have taken it since the read.
        taken = connection.execute(outbox.update().where(outbox.c.id == row["id"], due)
                                   .values(claimed_until=now + CLAIM,
                                           attempts=outbox.c.attempts + 1)).rowcount
    if taken != 1:
        return claim(engine, now)
    return {**row, "attempts": row["attempts"] + 1}


def message(row: dict, sender: str) -> EmailMessage:
    made = EmailMessage()
    made["From"], made["To"], made["Subject"] = sender, row["recipient"], row["subject"]
    made["Date"] = format_datetime(_utc(row["created_at"]))
    # The same for every attempt: a copy sent twice (see above) reads as one.
    made["Message-ID"] = f"<rights-mail-{row['id']}.{row['request_id']}@{sender.split('@')[1]}>"
    made["Auto-Submitted"] = "auto-generated"
    made.set_content(row["body"])
    return made


def connect(url: str) -> smtplib.SMTP:
    mode, host, port, user, password = smtp_parts(url)
    if mode == "tls":
        client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        if mode == "starttls":
            client.starttls(context=ssl.create_default_context())
    if user:
        client.login(user, password or "")
    return client


def _refused_for_good(error: Exception) -> bool:
    """The relay refused the recipient with a 5xx: trying again changes nothing."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return False


def _describe(error: Exception) -> str:
    """The failure's kind and SMTP code: the server's own text may quote addresses."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code = ",".join(str(c) for c, _t in error.recipients.values())
    return f"{error.__class__.__name__}{f' {code}' if code else ''}"[:255]


def _settle(engine: Engine, row: dict, values: dict) -> None:
    with engine.begin() as connection:
        connection.execute(outbox.update().where(outbox.c.id == row["id"])
                           .values(claimed_until=None, **values))


def send_due(engine: Engine, url: str, sender: str, now=None) -> Outcome:
    """Send every message due; one connection to the relay for the whole run. `now` (a
    function) gives the time of each step."""
    clock = now or (lambda: datetime.now(UTC))
    outcome, client = Outcome(), None
    try:
        while (row := claim(engine, clock())) is not None:
            try:
                client = client or connect(url)
                # The envelope names the one recipient: never what a header may parse into.
                client.send_message(message(row, sender), sender, [row["recipient"]])
            except (smtplib.SMTPException, OSError) as error:
                given_up = _refused_for_good(error) or row["attempts"] >= MAX_ATTEMPTS
                _settle(engine, row, {"last_error": _describe(error),
                                      "next_attempt_at": clock() + wait_after(row["attempts"]),
                                      **({"attempts": MAX_ATTEMPTS} if given_up else {})})
                outcome.given_up += given_up
                outcome.failed += not given_up
                if not isinstance(error, smtplib.SMTPRecipientsRefused):
                    break  # the relay is down or refuses us: the rest waits for the next run
                continue
            _settle(engine, row, {"sent_at": clock(), "last_error": None})
            outcome.sent += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    return outcome
