"""Receipts signed with Ed25519 (a JWS per event) and the per-site Merkle log of the events:
its leaves and its signed tree heads, both append-only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APPEND_ONLY = ("consent_log_leaves", "consent_log_heads")


def upgrade() -> None:
    # Nullable: events recorded before this revision have no signature (their HMAC receipt
    # stays), and PostgreSQL adds the column to every monthly partition without a rewrite.
    op.add_column("consent_events", sa.Column("signature", sa.Text, nullable=True))
    # Written out rather than imported from server.tables: a migration is frozen history.
    op.create_table(
        "consent_log_leaves",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("server_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_consent_log_leaves_site_time", "consent_log_leaves",
                    ["site", "server_time"])
    op.create_table(
        "consent_log_heads",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frontier", sa.Text, nullable=False),
        sa.Column("head", sa.Text, nullable=False),
    )
    # A log that could be rewritten proves nothing: UPDATE and DELETE refused (TRUNCATE too
    # on PostgreSQL), as for rights_trail (0006).
    postgresql = op.get_context().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        refusal = f"{table} is append-only: the log is never changed"
        if postgresql:
            op.execute(f"CREATE FUNCTION {table}_append_only() RETURNS trigger "
                       f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{refusal}'; END $$")
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} "
                           f"ON {table} BEGIN SELECT RAISE(ABORT, '{refusal}'); END")


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.drop_table(table)  # its triggers go with it
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION {table}_append_only()")
    # A plain DROP COLUMN (SQLite 3.35 and later too) keeps the table, its triggers and the
    # triggers of other tables that name it (0010's releases_kept), which a rebuild would not.
    op.drop_column("consent_events", "signature")
