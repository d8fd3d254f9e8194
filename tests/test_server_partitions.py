"""PostgreSQL's consent events partitioned by month: months created ahead by the migration and
by `consents purge`, a purge that drops whole months, and an existing table converted with
its rows kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from .conftest import postgres_schema
from .server_helpers import event, post, rows


@pytest.fixture
def pg_app(dist_dir, tmp_path):
    from server import create_app

    with postgres_schema() as url:
        app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                          "CONSENT_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
                          "CONSENT_AUTO_MIGRATE": False})
        yield app
        app.extensions["consent_engine"].dispose()


def months(app) -> list[str]:
    with app.extensions["consent_engine"].connect() as connection:
        return connection.execute(sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST('consent_events' AS regclass) ORDER BY 1")).scalars().all()


def name(moment: datetime) -> str:
    return f"consent_events_{moment:%Y_%m}"


def shift(moment: datetime, count: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def test_the_migration_creates_this_month_and_the_next_eleven(pg_app):
    assert pg_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    now = datetime.now(UTC)
    assert months(pg_app) == [name(shift(now, i)) for i in range(12)]
    # A consent lands in this month's partition.
    assert post(pg_app.test_client(), event()).status_code == 201
    with pg_app.extensions["consent_engine"].connect() as connection:
        assert connection.execute(sa.text(f"SELECT count(*) FROM {name(now)}")).scalar() == 1


def test_a_month_without_its_partition_is_made_by_the_writer_not_refused(pg_app):
    assert pg_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    now = datetime.now(UTC)
    with pg_app.extensions["consent_engine"].begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {name(now)}"))  # as if purge stopped a year ago
    assert post(pg_app.test_client(), event()).status_code == 201
    assert name(now) in months(pg_app)
    with pg_app.extensions["consent_engine"].connect() as connection:
        assert connection.execute(sa.text(f"SELECT count(*) FROM {name(now)}")).scalar() == 1


def test_purge_drops_whole_months_and_creates_months_ahead(pg_app):
    from server.store import add_months
    from server.tables import events

    runner = pg_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    engine = pg_app.extensions["consent_engine"]
    old = datetime(2018, 3, 10, tzinfo=UTC)
    with engine.begin() as connection:
        add_months(connection, old, 3)  # March to May 2018
    for moment in (old, datetime(2018, 4, 30, tzinfo=UTC), datetime(2018, 5, 20, tzinfo=UTC)):
        body = event()
        row = {**body, "choices": body["choices"], "client_time": None, "server_time": moment,
               "user_agent": "", "ip_pseudonym": "0" * 32, "receipt": "0" * 64}
        with engine.begin() as connection:
            connection.execute(events.insert(), [row])
    # As of 2025-05-15, 7 years back is 2018-05-15: March and April are wholly older, May not.
    result = runner.invoke(args=["consents", "purge", "--now", "2025-05-15T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "dropped the month 2018-03 (1 events" in result.output
    assert "dropped the month 2018-04 (1 events" in result.output
    assert "2018-05" not in result.output.split("site kppay")[0]
    remaining = months(pg_app)
    assert name(old) not in remaining and "consent_events_2018_04" not in remaining
    assert "consent_events_2018_05" in remaining  # its one row is younger than the cutoff
    assert len(rows(pg_app)) == 1
    # The 12 months from --now's on exist (those the migration had not made, made now).
    assert {name(shift(datetime(2025, 5, 1, tzinfo=UTC), i)) for i in range(12)} <= set(remaining)


def test_the_migration_converts_an_existing_table_keeping_every_row(pg_app):
    runner = pg_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0002"]).exit_code == 0
    engine = pg_app.extensions["consent_engine"]
    columns = ("event_id, consent_id, site, revision, choices, action, language, page_url, "
               "user_agent, ip_pseudonym, gpc, client_time, server_time, receipt")
    ids = [uuid.uuid4().hex for _ in range(3)]
    with engine.begin() as connection:
        for event_id, moment in zip(ids, ("2024-01-31T23:59:59Z", "2024-02-01T00:00:00Z",
                                          "2025-07-04T10:00:00Z"), strict=True):
            connection.execute(sa.text(
                f"INSERT INTO consent_events ({columns}) VALUES (:id, :id, 'kppay', 1, "
                "'{\"essential\": true}', 'custom', 'fr', 'https://kppay.tg/', '', :p, false, "
                "NULL, :t, :r)"), {"id": event_id, "p": "0" * 32, "t": moment, "r": "0" * 64})
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert sorted(r["event_id"] for r in rows(pg_app)) == sorted(ids)
    found = months(pg_app)
    assert {"consent_events_2024_01", "consent_events_2024_02", "consent_events_2025_07"} <= set(
        found)
    with engine.connect() as connection:
        kind = connection.execute(sa.text(
            "SELECT relkind FROM pg_class WHERE oid = CAST('consent_events' AS regclass)")).scalar()
    assert kind == "p"  # partitioned
    # New ids continue after the converted ones, and the new table takes consents.
    assert post(pg_app.test_client(), event()).status_code == 201
    assert len({r["id"] for r in rows(pg_app)}) == 4
