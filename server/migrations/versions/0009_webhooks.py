"""Signed webhooks: endpoints per site, the outbox written with each event, every attempt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    # Written out rather than imported from server.webhooks.tables: a migration is frozen
    # history.
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret_sealed", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_endpoints_site", "webhook_endpoints", ["site"])
    op.create_table(
        "webhook_messages",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("endpoint_id", sa.Integer,
                  sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
        sa.Column("consent_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'failed')",
                           name="ck_webhook_messages_state"),
    )
    op.create_index("ix_webhook_messages_pending", "webhook_messages",
                    ["endpoint_id", "consent_id", "id"], sqlite_where=PENDING,
                    postgresql_where=PENDING)
    op.create_index("ix_webhook_messages_event", "webhook_messages", ["event_id"])
    op.create_index("ix_webhook_messages_due", "webhook_messages", ["next_at"],
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_table(
        "webhook_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", BigId,
                  sa.ForeignKey("webhook_messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("delivered", sa.Boolean, nullable=False),
        sa.Column("detail", sa.String(300), nullable=True),
    )
    op.create_index("ix_webhook_attempts_message", "webhook_attempts", ["message_id", "id"])


def downgrade() -> None:
    for table in ("webhook_attempts", "webhook_messages", "webhook_endpoints"):
        op.drop_table(table)
