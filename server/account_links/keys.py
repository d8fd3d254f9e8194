"""A site's API keys: random, shown once when made, stored as a keyed hash, revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..pseudonym import keyed_hash
from .tables import api_keys

# "ck_" and 256 random bits: nothing to guess, and a name that secret scanners can match.
KEY_START = "ck_"
PREFIX_LENGTH = 11
LABEL_MAX = 100


class KeyInputError(Exception):
    """A command's input is wrong; the message says what."""


@dataclass(frozen=True)
class ApiKey:
    id: int
    site: str
    prefix: str
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None


def _key(row) -> ApiKey:
    values = dict(row)
    for name in ("created_at", "revoked_at"):
        if values[name] is not None and values[name].tzinfo is None:
            values[name] = values[name].replace(tzinfo=UTC)  # SQLite: stored as UTC
    return ApiKey(**{k: values[k] for k in ApiKey.__dataclass_fields__})


def create(engine: Engine, site: str, label: str, by: str, hash_key: bytes) -> tuple[ApiKey, str]:
    """A new key of `site`: (its record, the key itself, to show once and never again)."""
    label = label.strip()
    if not 1 <= len(label) <= LABEL_MAX:
        raise KeyInputError(f"a key's label has 1 to {LABEL_MAX} characters (what uses the key)")
    secret = KEY_START + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        key_id = connection.execute(api_keys.insert().values(
            site=site, prefix=secret[:PREFIX_LENGTH], key_hash=keyed_hash(secret, hash_key),
            label=label, created_at=datetime.now(UTC), created_by=by)
            .returning(api_keys.c.id)).scalar_one()
        row = connection.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).mappings()
        return _key(row.one()), secret


def of_site(engine: Engine, site: str) -> list[ApiKey]:
    """Every key of the site, revoked ones included (they explain the links they made)."""
    with engine.connect() as connection:
        return [_key(r) for r in connection.execute(
            sa.select(api_keys).where(api_keys.c.site == site).order_by(api_keys.c.id))
            .mappings()]


def revoke(engine: Engine, site: str, prefix: str, by: str) -> ApiKey | None:
    """Revoke the site's key that starts with `prefix`; None when there is no such live key."""
    with engine.begin() as connection:
        found = connection.execute(sa.select(api_keys).where(
            api_keys.c.site == site, api_keys.c.prefix == prefix,
            api_keys.c.revoked_at.is_(None))).mappings().all()
        if len(found) != 1:
            return None
        connection.execute(api_keys.update().where(api_keys.c.id == found[0]["id"]).values(
            revoked_at=datetime.now(UTC), revoked_by=by))
        row = connection.execute(sa.select(api_keys).where(api_keys.c.id == found[0]["id"]))
        return _key(row.mappings().one())


def authenticate(engine: Engine, presented: str, hash_key: bytes) -> ApiKey | None:
    """The live key `presented` is, or None (unknown, malformed or revoked)."""
    if not presented.startswith(KEY_START) or len(presented) > 100:
        return None
    with engine.connect() as connection:
        row = connection.execute(sa.select(api_keys).where(
            api_keys.c.key_hash == keyed_hash(presented, hash_key),
            api_keys.c.revoked_at.is_(None))).mappings().first()
    return _key(row) if row else None
