"""The one table: consent events, appended and never updated (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

ACTIONS = ("accept_all", "refuse_all", "custom", "withdraw")

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key so that
# hundreds of millions of rows never run out of ids.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# JSONB on PostgreSQL so that per-category rates can be queried later without a rewrite.
Choices = sa.JSON().with_variant(JSONB(), "postgresql")

events = sa.Table(
    "consent_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # The widget's random ids, 32 lowercase hex digits each.
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("consent_id", sa.String(32), nullable=False),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("choices", Choices, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    # Without query string or fragment: those can carry personal data.
    sa.Column("page_url", sa.String(2048), nullable=False),
    sa.Column("user_agent", sa.String(512), nullable=False),
    # HMAC of the truncated address (IPv4 /24, IPv6 /48); the full address is never stored.
    sa.Column("ip_pseudonym", sa.String(32), nullable=False),
    sa.Column("gpc", sa.Boolean, nullable=False),
    # What the browser's clock said: evidence only, never trusted for retention.
    sa.Column("client_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
    # The keyed hash given back to the visitor; stored so that a replay returns it unchanged.
    sa.Column("receipt", sa.String(64), nullable=False),
    sa.CheckConstraint(f"action IN {ACTIONS!r}", name="ck_consent_events_action"),
    # Idempotency: the same event sent twice is one row.
    sa.UniqueConstraint("event_id", name="uq_consent_events_event_id"),
    # Rights: one visitor's history, in order.
    sa.Index("ix_consent_events_consent_id", "consent_id", "id"),
    # Retention and exports per site and date range.
    sa.Index("ix_consent_events_site_time", "site", "server_time"),
    # Exports of every site over a date range.
    sa.Index("ix_consent_events_server_time", "server_time"),
)

# Events erased at the visitor's request, as keyed hashes of their ids (nothing else kept): a
# queued copy of an erased event sent again later is refused, not recorded anew.
erased_events = sa.Table(
    "erased_events",
    metadata,
    sa.Column("event_key", sa.String(64), primary_key=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
)
