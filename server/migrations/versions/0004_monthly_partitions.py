"""PostgreSQL: consent events partitioned by month of server_time, so that retention drops whole
months and old months cost inserts nothing; the existing table is converted, rows kept.

A partitioned table's unique keys must hold the partition key, so event_id is no longer unique
here: migration 0005 makes it unique in a table of its own. SQLite keeps one table, with the
same plain index on event_id.

`consent_events_add_months(first, count)` creates the monthly partitions from `first`'s month
on (those missing); the migration creates them up to 12 months ahead and `consents purge`
keeps them so.

Revision ID: 0004
Revises: 0003_console
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_console"
branch_labels = None
depends_on = None

COLUMNS = ("id, event_id, consent_id, site, revision, choices, action, language, page_url, "
           "user_agent, ip_pseudonym, gpc, client_time, server_time, receipt")
INDEXES = (("ix_consent_events_consent_id", "consent_id, id"),
           ("ix_consent_events_site_time", "site, server_time"),
           ("ix_consent_events_server_time", "server_time"))
APPEND_ONLY = ("CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events "
               "FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()")
ADD_MONTHS = """
CREATE FUNCTION consent_events_add_months(first timestamptz, count integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    month timestamp := date_trunc('month', first AT TIME ZONE 'UTC');
    name text;
    created integer := 0;
BEGIN
    FOR i IN 1..count LOOP
        name := 'consent_events_' || to_char(month, 'YYYY_MM');
        IF to_regclass(quote_ident(name)) IS NULL THEN
            BEGIN
                EXECUTE format('CREATE TABLE %I PARTITION OF consent_events '
                               'FOR VALUES FROM (%L) TO (%L)', name,
                               month AT TIME ZONE 'UTC',
                               (month + interval '1 month') AT TIME ZONE 'UTC');
                created := created + 1;
            EXCEPTION WHEN duplicate_table THEN
                NULL;  -- another process created it meanwhile
            END;
        END IF;
        month := month + interval '1 month';
    END LOOP;
    RETURN created;
END $$
"""


def _postgresql_upgrade() -> None:
    op.execute("ALTER TABLE consent_events RENAME TO consent_events_unpartitioned")
    op.execute("ALTER TABLE consent_events_unpartitioned RENAME CONSTRAINT consent_events_pkey "
               "TO consent_events_unpartitioned_pkey")
    # The sequence would go with the old table: it carries on in the new one.
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY NONE")
    for name, _ in INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("""
        CREATE TABLE consent_events (
            id bigint NOT NULL DEFAULT nextval('consent_events_id_seq'),
            event_id varchar(32) NOT NULL,
            consent_id varchar(32) NOT NULL,
            site varchar(64) NOT NULL,
            revision integer NOT NULL,
            choices jsonb NOT NULL,
            action varchar(16) NOT NULL,
            language varchar(16) NOT NULL,
            page_url varchar(2048) NOT NULL,
            user_agent varchar(512) NOT NULL,
            ip_pseudonym varchar(32) NOT NULL,
            gpc boolean NOT NULL,
            client_time timestamptz,
            server_time timestamptz NOT NULL,
            receipt varchar(64) NOT NULL,
            CONSTRAINT consent_events_pkey PRIMARY KEY (id, server_time),
            CONSTRAINT ck_consent_events_action
                CHECK (action IN ('accept_all', 'refuse_all', 'custom', 'withdraw'))
        ) PARTITION BY RANGE (server_time)""")
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY consent_events.id")
    for name, columns in (*INDEXES, ("ix_consent_events_event_id", "event_id")):
        op.execute(f"CREATE INDEX {name} ON consent_events ({columns})")
    op.execute(ADD_MONTHS)
    # Every month that holds rows, then this one and the next 11.
    bind = op.get_bind()
    first, last = bind.execute(sa.text(
        "SELECT min(server_time), max(server_time) FROM consent_events_unpartitioned")).one()
    if first is not None:
        months = (last.year - first.year) * 12 + last.month - first.month + 2
        bind.execute(sa.text("SELECT consent_events_add_months(:first, :months)"),
                     {"first": first, "months": months})
    op.execute("SELECT consent_events_add_months(now(), 12)")
    op.execute(f"INSERT INTO consent_events ({COLUMNS}) "
               f"SELECT {COLUMNS} FROM consent_events_unpartitioned")
    op.execute("DROP TABLE consent_events_unpartitioned")
    op.execute(APPEND_ONLY)


def _postgresql_downgrade() -> None:
    op.execute("ALTER TABLE consent_events RENAME TO consent_events_partitioned")
    op.execute("ALTER TABLE consent_events_partitioned RENAME CONSTRAINT consent_events_pkey "
               "TO consent_events_partitioned_pkey")
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY NONE")
    for name, _ in (*INDEXES, ("ix_consent_events_event_id", None)):
        op.execute(f"DROP INDEX {name}")
    op.execute("CREATE TABLE consent_events (LIKE consent_events_partitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS)")
    op.execute("ALTER TABLE consent_events ADD PRIMARY KEY (id)")
    op.execute(f"INSERT INTO consent_events ({COLUMNS}) "
               f"SELECT {COLUMNS} FROM consent_events_partitioned")
    op.execute("DROP TABLE consent_events_partitioned")  # its partitions go with it
    op.execute("DROP FUNCTION consent_events_add_months(timestamptz, integer)")
    op.execute("ALTER SEQUENCE consent_events_id_seq OWNED BY consent_events.id")
    op.execute("ALTER TABLE consent_events ADD CONSTRAINT uq_consent_events_event_id "
               "UNIQUE (event_id)")
    for name, columns in INDEXES:
        op.execute(f"CREATE INDEX {name} ON consent_events ({columns})")
    op.execute(APPEND_ONLY)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _postgresql_upgrade()
        return
    with op.batch_alter_table("consent_events", recreate="always") as batch:
        batch.drop_constraint("uq_consent_events_event_id", type_="unique")
        batch.create_index("ix_consent_events_event_id", ["event_id"])
    # The rebuilt table lost its trigger.
    op.execute("CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events "
               "BEGIN SELECT RAISE(ABORT, "
               "'consent_events is append-only: records are never changed'); END")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _postgresql_downgrade()
        return
    with op.batch_alter_table("consent_events", recreate="always") as batch:
        batch.drop_index("ix_consent_events_event_id")
        batch.create_unique_constraint("uq_consent_events_event_id", ["event_id"])
    op.execute("CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events "
               "BEGIN SELECT RAISE(ABORT, "
               "'consent_events is append-only: records are never changed'); END")

