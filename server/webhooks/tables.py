"""The webhooks' tables: endpoints, the outbox of messages, and every delivery attempt."""

from __future__ import annotations

import sqlalchemy as sa

from ..tables import BigId

metadata = sa.MetaData()

# A message's life: pending until a 2xx answer (delivered) or until it has been pending for
# CONSENT_WEBHOOK_GIVE_UP (failed).
STATES = ("pending", "delivered", "failed")

endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    # The signing secret, AES-GCM encrypted with a key derived from the server's secret
    # (vault.py): the server must read it to sign, so it cannot be a hash.
    sa.Column("secret_sealed", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_webhook_endpoints_site", "site"),
)

# The outbox: one row per event and endpoint, written with the event. `id` is the order of
# sending within a consent id.
messages = sa.Table(
    "webhook_messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("endpoint_id", sa.Integer,
              sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    sa.Column("consent_id", sa.String(32), nullable=False),
    sa.Column("event_id", sa.String(32), nullable=False),
    # The body exactly as signed and sent, frozen when the event was recorded.
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Not sent before this time (backoff).
    sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
    # A deliverer has claimed it until this time; a deliverer killed mid-send lets it go then.
    sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"state IN {STATES!r}", name="ck_webhook_messages_state"),
    # The deliverer's look-up: what is pending, per endpoint and consent id, in order.
    sa.Index("ix_webhook_messages_pending", "endpoint_id", "consent_id", "id",
             sqlite_where=sa.text("state = 'pending'"),
             postgresql_where=sa.text("state = 'pending'")),
    # An event erased or purged takes its messages with it (outbox.forget).
    sa.Index("ix_webhook_messages_event", "event_id"),
    sa.Index("ix_webhook_messages_due", "next_at",
             sqlite_where=sa.text("state = 'pending'"),
             postgresql_where=sa.text("state = 'pending'")),
)

# Every attempt: when, how long, what came back (a short excerpt only, never a whole body).
attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", BigId, sa.ForeignKey("webhook_messages.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    # None: no HTTP answer (refused, timed out); `detail` then says what happened.
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("delivered", sa.Boolean, nullable=False),
    sa.Column("detail", sa.String(300), nullable=True),
    sa.Index("ix_webhook_attempts_message", "message_id", "id"),
)
