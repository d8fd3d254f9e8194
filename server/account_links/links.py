"""Links between consent ids and a site's customer accounts, and what they let one read: every
consent of an account, across its devices."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..pseudonym import keyed_hash
from ..tables import events
from .tables import account_links

ACCOUNT_MAX = 256


def account_hash(site: str, account: str, key: bytes) -> str:
    """The site's name is part of it: one customer id at two sites gives two unrelated values."""
    return keyed_hash(f"{site}\n{account}", key)


def link(engine: Engine, site: str, hashed: str, consent_id: str, key_id: int) -> bool:
    """Link the consent id to the account; False when it already was."""
    with engine.begin() as connection:
        known = connection.execute(sa.select(account_links.c.id).where(
            account_links.c.site == site, account_links.c.account_hash == hashed,
            account_links.c.consent_id == consent_id)).first()
        if known:
            return False
        try:
            with connection.begin_nested():
                connection.execute(account_links.insert().values(
                    site=site, account_hash=hashed, consent_id=consent_id,
                    linked_at=datetime.now(UTC), key_id=key_id))
        except sa.exc.IntegrityError:
            return False  # the same link made at the same moment
    return True


def consents_of(connection, site: str, hashed: str) -> list[str]:
    return list(connection.execute(
        sa.select(account_links.c.consent_id).where(account_links.c.site == site,
                                                     account_links.c.account_hash == hashed)
        .order_by(account_links.c.id)).scalars())


def same_account(engine: Engine, site: str, consent_id: str) -> list[str]:
    """The consent id and every other linked to any of its accounts at the site."""
    accounts = (sa.select(account_links.c.account_hash)
                .where(account_links.c.site == site, account_links.c.consent_id == consent_id))
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(account_links.c.consent_id)
            .where(account_links.c.site == site, account_links.c.account_hash.in_(accounts))
            .order_by(account_links.c.id)).scalars().all()
    return list(dict.fromkeys([consent_id, *found]))


def history(engine: Engine, site: str, consent_ids: list[str]) -> list[dict]:
    """The site's events of these consent ids, oldest first: one history across devices."""
    if not consent_ids:
        return []
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(
            sa.select(events).where(events.c.site == site, events.c.consent_id.in_(consent_ids))
            .order_by(events.c.server_time, events.c.id)).mappings()]


def account_history(engine: Engine, site: str, hashed: str) -> tuple[list[str], list[dict]]:
    with engine.connect() as connection:
        consent_ids = consents_of(connection, site, hashed)
    return consent_ids, history(engine, site, consent_ids)


def unlink_account(engine: Engine, site: str, hashed: str) -> int:
    """Forget every link of the account (the customer closed it); the count forgotten."""
    with engine.begin() as connection:
        return connection.execute(account_links.delete().where(
            account_links.c.site == site, account_links.c.account_hash == hashed)).rowcount


def unlink_consent(connection, consent_id: str) -> int:
    """In an erasure's transaction: an erased consent id is linked to no account any more."""
    return connection.execute(account_links.delete().where(
        account_links.c.consent_id == consent_id)).rowcount


def forget_expired(engine: Engine, site: str | None, others: list[str], cutoff: datetime) -> int:
    """Retention: links made before `cutoff` whose consent id has no event left at the site
    (its events were purged) go too; a link made before its first event arrives is younger,
    so it stays. `site`/`others` as for the events' purge (one site, or every other)."""
    if site is not None:
        where = account_links.c.site == site
    else:
        where = account_links.c.site.not_in(others) if others else sa.true()
    backed = sa.exists().where(events.c.consent_id == account_links.c.consent_id,
                               events.c.site == account_links.c.site)
    with engine.begin() as connection:
        return connection.execute(account_links.delete().where(
            where, account_links.c.linked_at < cutoff, ~backed)).rowcount
