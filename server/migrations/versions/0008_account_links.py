"""Per-site API keys (hashed) and the account links they make (account identifiers hashed).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out rather than imported from server.account_links.tables: frozen history.
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(254), nullable=True),
    )
    op.create_index("ix_api_keys_site", "api_keys", ["site", "id"])
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("account_hash", sa.String(64), nullable=False),
        sa.Column("consent_id", sa.String(32), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
        sa.UniqueConstraint("site", "account_hash", "consent_id",
                            name="uq_account_links_once"),
    )
    op.create_index("ix_account_links_consent", "account_links", ["consent_id"])


def downgrade() -> None:
    op.drop_table("account_links")
    op.drop_table("api_keys")
