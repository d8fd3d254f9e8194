"""Migrations from empty, retention purge at its boundary, CSV and JSON Lines exports."""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from .server_helpers import CATEGORIES, event, post, rows, write_rows

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CUTOFF = datetime(2019, 11, 25, 12, 0, tzinfo=UTC)  # NOW minus 7 calendar years


def insert(app, moments, site="kppay", consent_id=None) -> str:
    """Rows at the given server times, as the POST would have written them."""
    from server.store import receipt

    consent_id = consent_id or uuid.uuid4().hex
    key = app.extensions["consent_keys"]["receipt"]
    batch = []
    for moment in moments:
        row = {"event_id": uuid.uuid4().hex, "consent_id": consent_id, "site": site,
               "revision": 1, "choices": {c: c == "essential" for c in CATEGORIES},
               "action": "refuse_all", "language": "fr", "page_url": "https://kppay.tg/",
               "user_agent": "=cmd|' /C calc'!A0", "ip_pseudonym": "0" * 32, "gpc": True,
               "client_time": None, "server_time": moment}
        row["receipt"] = receipt(row, key)
        batch.append(row)
    write_rows(app.extensions["consent_engine"], batch)
    return consent_id


@pytest.fixture
def fresh_url(db_kind, db_url, tmp_path):
    """A database with nothing in it at all, not even Alembic's version table."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh.sqlite3"
        return
    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(db_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield db_url.rsplit("search_path%3D", 1)[0] + f"search_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_migrations_run_from_empty_and_back(make_app, fresh_url):
    app = make_app(DATABASE_URL=fresh_url, CONSENT_AUTO_MIGRATE=False)
    engine = app.extensions["consent_engine"]
    assert sa.inspect(engine).get_table_names() == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    inspector = sa.inspect(engine)
    # PostgreSQL's monthly partitions apart (test_server_partitions.py).
    assert {t for t in inspector.get_table_names() if not t.startswith("consent_events_")} == {
        "alembic_version", "consent_events", "consent_event_ids", "erased_events",
        "console_owners", "console_owner_sites", "console_daily", "console_daily_categories",
        "console_rollup", "console_refused_origins", "rights_requests", "rights_trail",
        "rights_mail_outbox", "api_keys", "account_links",
        "webhook_endpoints", "webhook_messages", "webhook_attempts",
        "releases", "release_screenshots",
        "consent_log_leaves", "consent_log_heads"}
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("consent_events")}
    assert indexes["ix_consent_events_consent_id"] == ["consent_id", "id"]
    assert indexes["ix_consent_events_site_time"] == ["site", "server_time"]
    assert indexes["ix_consent_events_server_time"] == ["server_time"]
    # Unique per event id is consent_event_ids' primary key: PostgreSQL's partitioned table
    # cannot have it without the month.
    assert indexes["ix_consent_events_event_id"] == ["event_id"]
    assert inspector.get_pk_constraint("consent_event_ids")["constrained_columns"] == ["event_id"]
    assert "0011 (head)" in runner.invoke(args=["db", "current"]).output
    assert post(app.test_client(), event()).status_code == 201
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert rows(app) == []


def test_the_model_and_the_migrations_agree(make_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.migrate import include_name, models

    app = make_app()
    with app.extensions["consent_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, models())
    assert differences == []


def test_an_action_outside_the_four_is_refused_by_the_database(make_app):
    from server.tables import events

    app = make_app()
    consent_id = insert(app, [NOW])
    (row,) = rows(app, consent_id=consent_id)
    row.pop("id")
    row.update(event_id=uuid.uuid4().hex, action="maybe")
    with pytest.raises(sa.exc.IntegrityError):
        with app.extensions["consent_engine"].begin() as connection:
            connection.execute(events.insert().values(**row))


def test_stored_events_cannot_be_changed(make_app):
    from server.tables import events

    app = make_app()
    consent_id = insert(app, [NOW])
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with app.extensions["consent_engine"].begin() as connection:
            connection.execute(events.update().where(events.c.consent_id == consent_id)
                               .values(action="accept_all"))
    assert [r["action"] for r in rows(app, consent_id=consent_id)] == ["refuse_all"]


def test_purge_deletes_exactly_what_is_older_than_seven_years(make_app, db_kind):
    app = make_app()
    tick = timedelta(microseconds=1)
    old = insert(app, [CUTOFF - timedelta(days=400), CUTOFF - tick])
    kept = insert(app, [CUTOFF, CUTOFF + tick, NOW])
    result = app.test_cli_runner().invoke(
        args=["consents", "purge", "--now", NOW.isoformat(), "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    # PostgreSQL drops the month wholly past (a partition), then deletes the rest row by row.
    deleted = 1 if db_kind == "postgresql" else 2
    assert (db_kind == "postgresql") == ("dropped the month 2018-10 (1 events" in result.output)
    assert (f"site kppay: deleted {deleted} events older than 2019-11-25T12:00:00.000000Z "
            "(7 years)") in result.output
    assert "purged 2 events in total" in result.output
    assert "site kppay: purging" in result.stderr  # the progress bar's label
    assert rows(app, consent_id=old) == []
    assert len(rows(app, consent_id=kept)) == 3


def test_purge_uses_each_sites_period_and_the_default_for_others(make_app):
    app = make_app(CONSENT_RETENTION_KPPAY="30d", CONSENT_RETENTION="1y")
    young = insert(app, [NOW - timedelta(days=30), NOW - timedelta(days=29)])
    aged = insert(app, [NOW - timedelta(days=31)])
    other_old = insert(app, [NOW - timedelta(days=367)], site="retired-site")
    other_kept = insert(app, [NOW - timedelta(days=364)], site="retired-site")
    dry = app.test_cli_runner().invoke(args=["consents", "purge", "--now", NOW.isoformat(),
                                             "--dry-run"])
    # Earlier tests of this module left rows too: check this test's rows, not totals.
    assert "older than 2026-10-26T12:00:00.000000Z (30 days) would be deleted" in dry.output
    assert "other sites:" in dry.output and "(1 year) would be deleted" in dry.output
    assert len(rows(app, consent_id=aged)) == 1
    result = app.test_cli_runner().invoke(args=["consents", "purge", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert rows(app, consent_id=aged) == [] and rows(app, consent_id=other_old) == []
    assert len(rows(app, consent_id=young)) == 2 and len(rows(app, consent_id=other_kept)) == 1


def test_a_leap_day_cutoff_falls_back_to_the_28th():
    from server.commands import cutoff

    leap = datetime(2028, 2, 29, 8, 0, tzinfo=UTC)
    assert cutoff(leap, (7, "y")) == datetime(2021, 2, 28, 8, 0, tzinfo=UTC)
    assert cutoff(leap, (10, "d")) == datetime(2028, 2, 19, 8, 0, tzinfo=UTC)


def test_purge_runs_while_the_server_takes_consents(make_app):
    app = make_app()
    old = insert(app, [CUTOFF - timedelta(days=1, seconds=i) for i in range(1500)])
    client = app.test_client()
    statuses, stop = [], threading.Event()

    def serve():
        while not stop.is_set() and len(statuses) < 500:
            statuses.append(post(client, event()).status_code)

    worker = threading.Thread(target=serve)
    worker.start()
    try:
        result = app.test_cli_runner().invoke(
            args=["consents", "purge", "--now", NOW.isoformat(), "--batch-size", "100"])
    finally:
        stop.set()
        worker.join()
    assert result.exit_code == 0, result.output
    assert "deleted 1500 events" in result.output
    assert rows(app, consent_id=old) == []
    assert statuses and set(statuses) == {201}


@pytest.fixture
def exported(make_app):
    app = make_app()
    consent_id = insert(app, [datetime(2026, 3, 1, tzinfo=UTC),
                              datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC),
                              datetime(2026, 4, 1, tzinfo=UTC),
                              datetime(2026, 2, 28, 23, 59, tzinfo=UTC)])
    return app, consent_id


def test_export_writes_a_date_range_as_csv(exported, tmp_path):
    app, consent_id = exported
    out = tmp_path / "march.csv"
    result = app.test_cli_runner().invoke(args=[
        "consents", "export", "--from", "2026-03-01", "--to", "2026-04-01", "--site", "kppay",
        "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "exported 2 events" in result.output
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["server_time"] for r in table] == ["2026-03-01T00:00:00.000000Z",
                                                 "2026-03-31T23:59:59.999999Z"]
    first = table[0]
    assert first["consent_id"] == consent_id and first["action"] == "refuse_all"
    assert first["choice_essential"] == "true" and first["choice_social"] == "false"
    assert first["gpc"] == "true" and first["client_time"] == ""
    assert first["user_agent"].startswith("'=")  # no formula reaches a spreadsheet
    assert len(first["receipt"]) == 64


def test_export_writes_json_lines_to_standard_output(exported):
    app, consent_id = exported
    result = app.test_cli_runner().invoke(args=[
        "consents", "export", "--from", "2026-02-28T23:59:00Z", "--to", "2026-04-01T00:00:01",
        "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line["consent_id"] == consent_id]
    assert [line["server_time"][:10] for line in mine] == ["2026-02-28", "2026-03-01",
                                                           "2026-03-31", "2026-04-01"]
    assert mine[0]["choices"] == {c: c == "essential" for c in CATEGORIES}


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "March"], "is not a date"),
    (["--from", "2026-04-01", "--to", "2026-03-01"], "must come after"),
    (["--from", "2026-03-01", "--format", "xml"], "xml"),
])
def test_export_refuses_bad_options_clearly(exported, args, message):
    app, _ = exported
    result = app.test_cli_runner().invoke(args=["consents", "export", *args])
    assert result.exit_code == 2
    assert message in result.output
