"""The consent events table, its unique event id and the indexes of rights, retention, exports.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Written out rather than imported from server.tables: a migration is frozen history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Choices = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("consent_id", sa.String(32), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("choices", Choices, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("page_url", sa.String(2048), nullable=False),
        sa.Column("user_agent", sa.String(512), nullable=False),
        sa.Column("ip_pseudonym", sa.String(32), nullable=False),
        sa.Column("gpc", sa.Boolean, nullable=False),
        sa.Column("client_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt", sa.String(64), nullable=False),
        sa.CheckConstraint("action IN ('accept_all', 'refuse_all', 'custom', 'withdraw')",
                           name="ck_consent_events_action"),
        sa.UniqueConstraint("event_id", name="uq_consent_events_event_id"),
    )
    op.create_index("ix_consent_events_consent_id", "consent_events", ["consent_id", "id"])
    op.create_index("ix_consent_events_site_time", "consent_events", ["site", "server_time"])
    op.create_index("ix_consent_events_server_time", "consent_events", ["server_time"])
    # Append-only in the database itself: a proof that can be edited proves nothing. Rows
    # may still be deleted (retention, erasure), never changed.
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION consent_events_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                   "'consent_events is append-only: records are never changed'; END $$")
        op.execute("CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events "
                   "FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()")
    else:
        op.execute("CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events "
                   "BEGIN SELECT RAISE(ABORT, "
                   "'consent_events is append-only: records are never changed'); END")


def downgrade() -> None:
    op.drop_table("consent_events")  # its trigger goes with it
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION consent_events_append_only()")
