"""The owner's console: owners and their sites, daily roll-ups with their watermark, refused
origins per hour.

Revision ID: 0003_console
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_console"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out rather than imported from server.console.tables: a migration is frozen history.
    op.create_table(
        "console_owners",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "console_owner_sites",
        sa.Column("owner_id", sa.Integer,
                  sa.ForeignKey("console_owners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("site", sa.String(64), primary_key=True),
    )
    op.create_table(
        "console_daily",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("action", sa.String(16), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("gpc", sa.Boolean, primary_key=True),
        sa.Column("events", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "console_daily_categories",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("decided", sa.BigInteger, nullable=False),
        sa.Column("granted", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "console_rollup",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("rolled_until", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "console_refused_origins",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("origin", sa.String(256), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_console_refused_origins_hour", "console_refused_origins", ["hour"])


def downgrade() -> None:
    for table in ("console_refused_origins", "console_rollup", "console_daily_categories",
                  "console_daily", "console_owner_sites", "console_owners"):
        op.drop_table(table)
