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

# The Merkle log of each site's events (server/ledger.py), in the manner of Certificate
# Transparency: one leaf per event, in the order the log job appended them. A leaf outlives its
# event (purge, erasure): what is left is a hash, the event's id as a keyed hash (the key of
# erased_events, so that an erased event is recognised) and its server time (so that a purged
# one is), and the signed heads stay provable. Append-only, like the events (migration 0011).
log_leaves = sa.Table(
    "consent_log_leaves",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("event_key", sa.String(64), nullable=False),
    sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("leaf_hash", sa.String(64), nullable=False),
    # The log job's look-back over the last events appended.
    sa.Index("ix_consent_log_leaves_site_time", "site", "server_time"),
)

# The tree heads the server signed: size, root hash and time as a compact JWS (`head`), and the
# frontier (the perfect subtrees' roots) from which the next job carries on.
log_heads = sa.Table(
    "consent_log_heads",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("tree_size", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("frontier", sa.Text(), nullable=False),
    sa.Column("head", sa.Text(), nullable=False),
)
