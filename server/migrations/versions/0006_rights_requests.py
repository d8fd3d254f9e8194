"""Visitors' rights requests with their due date, and their append-only trail.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REFUSAL = "rights_trail is append-only: steps are never changed nor deleted"


def upgrade() -> None:
    # Written out rather than imported from server.rights.tables: a migration is frozen history.
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("consent_id", sa.String(32), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('access', 'rectification', 'objection', 'erasure', "
                           "'restriction', 'portability')", name="ck_rights_requests_kind"),
    )
    op.create_index("ix_rights_requests_site_due", "rights_requests", ["site", "due_at"])
    op.create_table(
        "rights_trail",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("rights_requests.id"),
                  nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(254), nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.CheckConstraint("step IN ('received', 'note', 'erased', 'done', 'refused')",
                           name="ck_rights_trail_step"),
    )
    op.create_index("ix_rights_trail_request", "rights_trail", ["request_id", "id"])
    # One answer per request: a second `done` or `refused` is refused by the database.
    answer = sa.text("step IN ('done', 'refused')")
    op.create_index("ux_rights_trail_answer", "rights_trail", ["request_id"], unique=True,
                    sqlite_where=answer, postgresql_where=answer)
    # Append-only in the database itself, as consent_events (0001), and stricter: a trail
    # that could lose a step proves nothing, so DELETE is refused too (TRUNCATE as well on
    # PostgreSQL).
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION rights_trail_append_only() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$")
        op.execute("CREATE TRIGGER rights_trail_append_only BEFORE UPDATE OR DELETE "
                   "ON rights_trail FOR EACH ROW EXECUTE FUNCTION rights_trail_append_only()")
        op.execute("CREATE TRIGGER rights_trail_no_truncate BEFORE TRUNCATE ON rights_trail "
                   "FOR EACH STATEMENT EXECUTE FUNCTION rights_trail_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER rights_trail_no_{event.lower()} BEFORE {event} "
                       f"ON rights_trail BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def downgrade() -> None:
    op.drop_table("rights_trail")  # its triggers go with it
    op.drop_table("rights_requests")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION rights_trail_append_only()")
