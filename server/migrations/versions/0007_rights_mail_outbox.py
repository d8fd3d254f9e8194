"""The rights e-mail outbox: each message written with what it announces, sent later.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out rather than imported from server.rights.tables: a migration is frozen history.
    op.create_table(
        "rights_mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("rights_requests.id"),
                  nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('reference', 'new', 'due')",
                           name="ck_rights_mail_outbox_purpose"),
        sa.UniqueConstraint("request_id", "purpose", "recipient",
                            name="uq_rights_mail_outbox_once"),
    )
    pending = sa.text("sent_at IS NULL")
    op.create_index("ix_rights_mail_outbox_pending", "rights_mail_outbox", ["next_attempt_at"],
                    sqlite_where=pending, postgresql_where=pending)


def downgrade() -> None:
    op.drop_table("rights_mail_outbox")
