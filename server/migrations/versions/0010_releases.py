"""Releases: every build a visitor may have been shown, its texts and screenshots, and the
release id in every event.

`consent_events.release` is nullable: rows stored before it are never rewritten. A release is
never changed, and is not deleted (nor its screenshots) while an event names it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FROZEN = "releases are never changed"
KEPT = "an event names this release: it is kept as long as an event refers to it"
NAMED = "(SELECT 1 FROM consent_events e WHERE e.release = OLD.{column})"


def upgrade() -> None:
    # Written out rather than imported from server.proof.tables: a migration is frozen history.
    op.add_column("consent_events", sa.Column("release", sa.String(64), nullable=True))
    op.create_table(
        "releases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_releases_site", "releases", ["site", "registered_at"])
    op.create_table(
        "release_screenshots",
        sa.Column("release_id", sa.String(64), sa.ForeignKey("releases.id"), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("layer", sa.String(16), primary_key=True),
        sa.Column("device", sa.String(16), primary_key=True),
        sa.Column("png", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("layer IN ('first', 'preferences')",
                           name="ck_release_screenshots_layer"),
        sa.CheckConstraint("device IN ('desktop', 'phone')",
                           name="ck_release_screenshots_device"),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION releases_frozen() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{FROZEN}'; END $$")
        op.execute("CREATE FUNCTION releases_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN IF EXISTS {NAMED.format(column='id')} THEN "
                   f"RAISE EXCEPTION '{KEPT}'; END IF; RETURN OLD; END $$")
        op.execute("CREATE FUNCTION release_screenshots_kept() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ "
                   f"BEGIN IF EXISTS {NAMED.format(column='release_id')} THEN "
                   f"RAISE EXCEPTION '{KEPT}'; END IF; RETURN OLD; END $$")
        for table in ("releases", "release_screenshots"):
            op.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION releases_frozen()")
            op.execute(f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_kept()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION releases_frozen()")
    else:
        for table, column in (("releases", "id"), ("release_screenshots", "release_id")):
            op.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END")
            op.execute(f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} "
                       f"WHEN EXISTS {NAMED.format(column=column)} "
                       f"BEGIN SELECT RAISE(ABORT, '{KEPT}'); END")


def downgrade() -> None:
    op.drop_table("release_screenshots")  # their triggers go with them
    op.drop_table("releases")
    if op.get_context().dialect.name == "postgresql":
        for function in ("releases_frozen", "releases_kept", "release_screenshots_kept"):
            op.execute(f"DROP FUNCTION {function}()")
    op.drop_column("consent_events", "release")
