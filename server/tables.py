"""The tables (SQLAlchemy Core): consent events, whose columns are the contract's fields, and
the erased events' keyed hashes."""

from __future__ import annotations

import sqlalchemy as sa

from .contract import ACTIONS, FIELDS

metadata = sa.MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key so that
# hundreds of millions of rows never run out of ids.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Appended and never updated. On PostgreSQL the table is partitioned by month of server_time
# (migration 0004: the primary key is then (id, server_time), so event_id cannot be unique
# here; event_ids below holds it); SQLite keeps one table.
events = sa.Table(
    "consent_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    *(sa.Column(f.name, f.column, nullable=f.nullable) for f in FIELDS),
    sa.CheckConstraint(f"action IN {ACTIONS!r}", name="ck_consent_events_action"),
    # Rights: one visitor's history, in order.
    sa.Index("ix_consent_events_consent_id", "consent_id", "id"),
    # Retention and exports per site and date range.
    sa.Index("ix_consent_events_site_time", "site", "server_time"),
    # Exports of every site over a date range.
    sa.Index("ix_consent_events_server_time", "server_time"),
    # A replay's stored row (idempotency itself is event_ids' primary key).
    sa.Index("ix_consent_events_event_id", "event_id"),
)

# The id of every stored event, unique in the whole database (a partitioned table's unique keys
# must hold the month): the same event sent twice, at any interval, is one row. Written in the
# statement that stores the events; deleted with them (purge, erasure).
event_ids = sa.Table(
    "consent_event_ids",
    metadata,
    sa.Column("event_id", sa.String(32), primary_key=True),
)

# Events erased at the visitor's request, as keyed hashes of their ids (nothing else kept): a
# queued copy of an erased event sent again later is refused, not recorded anew.
erased_events = sa.Table(
    "erased_events",
    metadata,
    sa.Column("event_key", sa.String(64), primary_key=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
)
