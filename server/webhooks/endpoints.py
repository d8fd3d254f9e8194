"""Endpoints: registered per site by its owner (console or CLI), each with its own secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import vault
from .tables import attempts, endpoints, messages

# Enough for a site's back ends; each one multiplies the messages of every event.
MAX_PER_SITE = 10
URL_MAX = 2048
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Why a URL is refused, in English (the CLI's words; the console has its own, translated).
PROBLEMS = {
    "url": "not an absolute URL with a host (https://host/path)",
    "https": "an endpoint must use https",
    "full": f"a site has at most {MAX_PER_SITE} endpoints",
}


class Refused(Exception):
    """The endpoint cannot be added; `problem` is a key of PROBLEMS."""

    def __init__(self, problem: str):
        super().__init__(PROBLEMS[problem])
        self.problem = problem


@dataclass
class Endpoint:
    id: int
    site: str
    url: str
    created_at: datetime
    pending: int = 0
    failed: int = 0


def check_url(url: str, local: bool) -> str:
    """The URL as kept, or Refused. `local`: CONSENT_WEBHOOK_LOCAL (http to this machine)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise Refused("url") from None
    if (len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.username is not None or parts.password is not None or parts.fragment
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise Refused("url")
    if parts.scheme == "http" and not (local and parts.hostname in LOCAL_HOSTS):
        raise Refused("https")
    return url


def add(engine: Engine, key: bytes, site: str, url: str, local: bool) -> tuple[Endpoint, str]:
    """A new endpoint and its secret, which is shown once and then only kept sealed."""
    url = check_url(url, local)
    secret = vault.new_secret()
    now = datetime.now(UTC)
    with engine.begin() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(endpoints)
                                   .where(endpoints.c.site == site)).scalar_one()
        if count >= MAX_PER_SITE:
            raise Refused("full")
        new_id = connection.execute(endpoints.insert().values(
            site=site, url=url, secret_sealed=vault.seal(secret, key, site, url),
            created_at=now)).inserted_primary_key[0]
    return Endpoint(new_id, site, url, now), secret


def remove(engine: Engine, site: str | None, endpoint_id: int) -> bool:
    """The endpoint (of `site`, when given), its queued messages and their attempts."""
    with engine.begin() as connection:
        # Explicit rather than left to ON DELETE CASCADE: SQLite cascades only on connections
        # with foreign_keys=ON.
        query = sa.select(endpoints.c.id).where(endpoints.c.id == endpoint_id)
        if site is not None:
            query = query.where(endpoints.c.site == site)
        found = connection.execute(query).scalar()
        if found is None:
            return False
        ids = sa.select(messages.c.id).where(messages.c.endpoint_id == found)
        connection.execute(attempts.delete().where(attempts.c.message_id.in_(ids)))
        connection.execute(messages.delete().where(messages.c.endpoint_id == found))
        connection.execute(endpoints.delete().where(endpoints.c.id == found))
    return True


def of_site(engine: Engine, site: str | None) -> list[Endpoint]:
    """The site's endpoints (every site's when None), oldest first, with their counts of
    pending and failed messages."""
    counts = (sa.select(messages.c.endpoint_id, messages.c.state, sa.func.count().label("n"))
              .where(messages.c.state != "delivered")
              .group_by(messages.c.endpoint_id, messages.c.state))
    query = sa.select(endpoints.c.id, endpoints.c.site, endpoints.c.url,
                      endpoints.c.created_at).order_by(endpoints.c.id)
    if site is not None:
        query = query.where(endpoints.c.site == site)
    with engine.connect() as connection:
        found = [Endpoint(*row) for row in connection.execute(query)]
        tally = {(r.endpoint_id, r.state): r.n for r in connection.execute(counts)}
    for endpoint in found:
        endpoint.pending = tally.get((endpoint.id, "pending"), 0)
        endpoint.failed = tally.get((endpoint.id, "failed"), 0)
    return found
