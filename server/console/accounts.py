"""Owners: created and removed from the command line, each allowed some sites; passwords
hashed with Werkzeug's scrypt; login attempts limited per account and per network."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from .. import ratelimit
from .tables import owner_sites, owners

# Enough to resist guessing when the login is rate limited; no composition rules (NIST 800-63B).
MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}$")
# Attempts per window, per account and per pseudonymised network.
LOGIN_LIMIT = (10, 900)
# Checked when the address is unknown, so that a wrong address costs as long as a wrong password.
_DUMMY = generate_password_hash("not a password: equalises the time of unknown accounts")


class AccountError(Exception):
    """A command's input is wrong; the message says what and how to fix it."""


@dataclass
class Owner:
    id: int
    email: str
    session_epoch: int
    sites: list[str]


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")


def add(engine: Engine, email: str, password: str, sites: list[str]) -> Owner:
    email = normal_email(email)
    check_password(password)
    with engine.begin() as connection:
        if connection.execute(sa.select(owners.c.id).where(owners.c.email == email)).first():
            raise AccountError(f"{email} already has an account; use `owners sites` or "
                               "`owners passwd` to change it")
        owner_id = connection.execute(owners.insert().values(
            email=email, password_hash=generate_password_hash(password), session_epoch=0,
            created_at=datetime.now(UTC))).inserted_primary_key[0]
        connection.execute(owner_sites.insert(),
                           [{"owner_id": owner_id, "site": s} for s in dict.fromkeys(sites)])
    return get(engine, owner_id)


def _owner_id(connection, email: str) -> int | None:
    return connection.execute(sa.select(owners.c.id).where(
        owners.c.email == normal_email(email))).scalar()


def remove(engine: Engine, email: str) -> bool:
    with engine.begin() as connection:
        found = _owner_id(connection, email)
        if found is None:
            return False
        connection.execute(owner_sites.delete().where(owner_sites.c.owner_id == found))
        connection.execute(owners.delete().where(owners.c.id == found))
    return True


def set_password(engine: Engine, email: str, password: str) -> bool:
    """A new password ends every session of the account."""
    check_password(password)
    with engine.begin() as connection:
        return bool(connection.execute(owners.update().where(
            owners.c.email == normal_email(email)).values(
            password_hash=generate_password_hash(password),
            session_epoch=owners.c.session_epoch + 1)).rowcount)


def set_sites(engine: Engine, email: str, sites: list[str]) -> bool:
    with engine.begin() as connection:
        found = _owner_id(connection, email)
        if found is None:
            return False
        connection.execute(owner_sites.delete().where(owner_sites.c.owner_id == found))
        connection.execute(owner_sites.insert(),
                           [{"owner_id": found, "site": s} for s in dict.fromkeys(sites)])
    return True


def get(engine: Engine, owner_id: int) -> Owner | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(owners).where(owners.c.id == owner_id)).first()
        if row is None:
            return None
        sites = connection.execute(sa.select(owner_sites.c.site).where(
            owner_sites.c.owner_id == owner_id).order_by(owner_sites.c.site)).scalars().all()
    return Owner(row.id, row.email, row.session_epoch, list(sites))


def everyone(engine: Engine) -> list[Owner]:
    with engine.connect() as connection:
        ids = connection.execute(sa.select(owners.c.id).order_by(owners.c.email)).scalars().all()
    return [o for o in (get(engine, i) for i in ids) if o is not None]


def authenticate(engine: Engine, email: str, password: str) -> Owner | None:
    try:
        email = normal_email(email)
    except AccountError:
        email = ""
    with engine.connect() as connection:
        row = connection.execute(sa.select(owners.c.id, owners.c.password_hash)
                                 .where(owners.c.email == email)).first()
    if row is None:
        check_password_hash(_DUMMY, password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    return get(engine, row.id)


def end_sessions(engine: Engine, owner_id: int) -> None:
    """Logout: the signed session cookie stays valid until it expires, unless its epoch ends."""
    with engine.begin() as connection:
        connection.execute(owners.update().where(owners.c.id == owner_id).values(
            session_epoch=owners.c.session_epoch + 1))


def login_limiter(config: dict):
    """Shared through Redis when the server has it (every worker counts the same attempts)."""
    count, seconds = LOGIN_LIMIT
    if config.get("REDIS_URL"):
        return ratelimit.RedisLimiter(config["REDIS_URL"], count, seconds,
                                      prefix="consent:console-login:")
    limiter = ratelimit.MemoryLimiter(count, seconds)
    limiter.local = limiter
    return limiter
