"""The console's own tables: owners and their sites, the daily roll-ups the dashboard reads,
their watermark, and refused origins per hour. Consent events are only read, never changed."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

owners = sa.Table(
    "console_owners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # Lower-cased: one account per address, however it is typed at login.
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    # Werkzeug's scrypt hash, salt and parameters included.
    sa.Column("password_hash", sa.String(255), nullable=False),
    # Raised at logout (and by `owners passwd`): every session signed with an older value ends.
    sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

owner_sites = sa.Table(
    "console_owner_sites",
    metadata,
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("console_owners.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("site", sa.String(64), primary_key=True),
)

# Events per UTC day and per value of each dimension the dashboard splits on. Anonymous
# counts: they stay when events are purged (retention) or erased (a visitor's request).
daily = sa.Table(
    "console_daily",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("action", sa.String(16), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("language", sa.String(16), primary_key=True),
    sa.Column("gpc", sa.Boolean, primary_key=True),
    sa.Column("events", sa.BigInteger, nullable=False),
)

# Per UTC day and category: how many events carried the category, and how many granted it.
daily_categories = sa.Table(
    "console_daily_categories",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("decided", sa.BigInteger, nullable=False),
    sa.Column("granted", sa.BigInteger, nullable=False),
)

# How far the roll-ups go: every event with server_time < rolled_until is counted, none after.
rollup_state = sa.Table(
    "console_rollup",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("rolled_until", sa.DateTime(timezone=True), nullable=False),
)

# Consents refused for their page's origin, per site, origin and hour (never an address).
refused_origins = sa.Table(
    "console_refused_origins",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("origin", sa.String(256), primary_key=True),
    sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Index("ix_console_refused_origins_hour", "hour"),
)
