"""POST /api/v1/consents on SQLite and PostgreSQL: every status, idempotency, durability."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from .server_helpers import CATEGORIES, DAY, ENDPOINT, event, post, rows


@pytest.fixture
def app(make_app):
    return make_app(CONSENT_ORIGINS_KPPAY="https://www.kppay.tg, https://kppay.tg")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", "application/json"])
def test_a_valid_event_is_stored_and_answered_with_a_receipt(app, client, content_type):
    body = event(action="custom", page_url="https://www.kppay.tg/tarifs?user=jean#top",
                 choices={"essential": True, "performance": True, "functionality": False,
                          "targeting": False, "social": True})
    response = post(client, body, content_type, **{"User-Agent": "Mozilla/5.0 test",
                                                   "Origin": "https://www.kppay.tg"})
    assert response.status_code == 201, response.json
    answer = response.json
    assert set(answer) == {"event_id", "consent_id", "server_time", "receipt", "signature"}
    assert answer["event_id"] == body["event_id"]
    assert answer["consent_id"] == body["consent_id"]
    assert answer["server_time"].endswith("Z")
    assert len(answer["receipt"]) == 64
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.kppay.tg"
    assert "Set-Cookie" not in response.headers
    (row,) = rows(app, event_id=body["event_id"])
    assert row["choices"] == body["choices"]
    assert row["action"] == "custom"
    assert row["page_url"] == "https://www.kppay.tg/tarifs"  # no query, no fragment
    assert row["user_agent"] == "Mozilla/5.0 test"
    assert row["receipt"] == answer["receipt"]
    assert row["revision"] == 1 and row["language"] == "fr" and row["gpc"] is False
    assert len(row["ip_pseudonym"]) == 32


def test_the_receipt_is_a_keyed_hash_of_what_was_recorded(app, client):
    from server.store import receipt

    body = event()
    answer = post(client, body).json
    (row,) = rows(app, event_id=body["event_id"])
    key = app.extensions["consent_keys"]["receipt"]
    assert receipt(row, key) == answer["receipt"]
    assert receipt(dict(row, action="refuse_all"), key) != answer["receipt"]
    assert receipt(row, hmac.new(b"other", b"", hashlib.sha256).digest()) != answer["receipt"]


def test_accept_all_under_gpc_may_leave_targeting_off(app, client):
    body = event(gpc=True, choices={c: c != "targeting" for c in CATEGORIES})
    assert post(client, body).status_code == 201
    (row,) = rows(app, event_id=body["event_id"])
    assert row["gpc"] is True and row["choices"]["targeting"] is False
    without_gpc = dict(body, event_id=event()["event_id"], gpc=False)
    assert post(client, without_gpc).json["field"] == "choices.targeting"


def test_the_same_event_twice_gives_the_same_receipt_and_one_row(app, client):
    body = event()
    first = post(client, body)
    second = post(client, body, "application/json")
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(rows(app, event_id=body["event_id"])) == 1


def test_an_event_sent_again_a_year_later_is_still_one_row(app, client, monkeypatch):
    """A replay of any age is found: event ids are unique in the whole database, not over a
    window of recent months."""
    from datetime import UTC, datetime, timedelta

    from server import consents, store

    then = datetime.now(UTC) - timedelta(days=400)

    class LastYear(datetime):
        @classmethod
        def now(cls, tz=None):
            return then

    with app.extensions["consent_engine"].begin() as connection:
        store.add_months(connection, then, 1)  # PostgreSQL: that month's partition
    body = event()
    monkeypatch.setattr(consents, "datetime", LastYear)
    first = post(client, body)
    monkeypatch.undo()
    again = post(client, body)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert [r["server_time"].year for r in rows(app, event_id=body["event_id"])] == [then.year]


def test_an_event_id_reused_for_another_choice_is_a_conflict(app, client):
    body = event()
    post(client, body)
    other = dict(body, action="refuse_all", choices={c: c == "essential" for c in CATEGORIES})
    response = post(client, other)
    assert response.status_code == 409
    assert response.json["field"] == "event_id"
    assert [r["action"] for r in rows(app, event_id=body["event_id"])] == ["accept_all"]


def _without(name):
    body = event()
    del body[name]
    return body


@pytest.mark.parametrize(("body", "field", "message"), [
    (_without("gpc"), "gpc", "missing field"),
    (_without("event_id"), "event_id", "missing field"),
    (event(extra=1), "extra", "unknown field"),
    (event(site="other"), "site", "unknown site"),
    (event(site="../kppay"), "site", "unknown site"),
    (event(revision=2), "revision", "smaller than or equal to 1"),
    (event(revision="1"), "revision", "must be"),
    (event(consent_id="ABC"), "consent_id", "must match pattern"),
    (event(action="maybe"), "action", "must be one of"),
    (event(language="de"), "language", "must be one of"),
    (event(choices={c: True for c in CATEGORIES if c != "social"}), "choices.social",
     "missing field"),
    (event(choices={**{c: True for c in CATEGORIES}, "tracking": True}), "choices.tracking",
     "unknown field"),
    (event(choices={**{c: True for c in CATEGORIES}, "performance": "yes"}),
     "choices.performance", "must be"),
    (event(action="custom", choices={**{c: False for c in CATEGORIES}}), "choices.essential",
     "must be true"),
    (event(action="accept_all", choices={**{c: True for c in CATEGORIES}, "social": False}),
     "choices.social", "must be true"),
    (event(action="refuse_all"), "choices.performance", "must be false"),
    (event(page_url="javascript:alert(1)"), "page_url", "must match pattern"),
    (event(client_time="yesterday"), "client_time", "must match pattern"),
    (event(client_time="2026-13-45T25:00:00Z"), "client_time", "must match pattern"),
    (event(client_time="2026-02-30T12:00:00Z"), "client_time", "not a valid date"),
    (event(gpc=None), "gpc", "must be"),
])
def test_a_wrong_field_is_a_400_naming_it(app, client, body, field, message):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert message in response.json["error"]
    assert rows(app, consent_id=body.get("consent_id", "")) == []


@pytest.mark.parametrize(("data", "message"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"site": "kppay", "site": "kppay"}', "given twice"),
])
def test_a_body_that_is_not_a_json_object_is_a_400(client, data, message):
    response = post(client, data)
    assert response.status_code == 400
    assert message in response.json["error"]


def test_a_body_over_4_kib_is_a_413_and_exactly_4_kib_is_read(app, client):
    # JSON allows trailing blanks: they pad a valid event to the exact size.
    exact = json.dumps(event()).ljust(4096).encode()
    assert post(client, exact).status_code == 201
    over = event()
    response = post(client, json.dumps(over).ljust(4097).encode())
    assert response.status_code == 413
    assert response.json == {"error": "body over 4096 bytes", "field": None}
    assert rows(app, event_id=over["event_id"]) == []


def test_a_form_body_is_a_415(client):
    response = client.post(ENDPOINT, data={"site": "kppay"})
    assert response.status_code == 415
    assert response.json["field"] is None


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://www.kppay.tg"])
def test_an_origin_the_site_does_not_allow_is_a_403(app, client, origin):
    body = event()
    response = post(client, body, Origin=origin)
    assert response.status_code == 403
    assert "origin" in response.json["error"]
    # The widget on that origin can read the refusal (and drop the event); "null" is not an
    # origin to echo back.
    assert response.headers.get("Access-Control-Allow-Origin") == (
        None if origin == "null" else origin)
    assert rows(app, event_id=body["event_id"]) == []


def test_an_allowed_origin_can_read_errors_too(client):
    response = post(client, event(extra=1), Origin="https://kppay.tg")
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "https://kppay.tg"
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["Cache-Control"] == "no-store"


def test_other_methods_are_a_405_in_json(client):
    response = client.put(ENDPOINT, json=event())
    assert response.status_code == 405
    assert response.json["field"] is None
    assert "POST" in response.headers["Allow"]


def test_the_servers_own_origin_and_no_origin_are_allowed(client):
    assert post(client, event(), Origin="http://localhost").status_code == 201
    assert post(client, event()).status_code == 201


def test_cors_preflight_answers_allowed_origins_only(client):
    allowed = client.options(ENDPOINT, headers={
        "Origin": "https://kppay.tg", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://kppay.tg"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "content-type" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "Origin" in allowed.headers["Vary"]
    refused = client.options(ENDPOINT, headers={"Origin": "https://evil.example",
                                                "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_too_many_posts_from_one_network_are_a_429_with_retry_after(make_app):
    client = make_app(CONSENT_RATE_LIMIT=f"3/{DAY}").test_client()
    here = {"REMOTE_ADDR": "198.51.100.7"}
    same_network = {"REMOTE_ADDR": "198.51.100.200"}
    other_network = {"REMOTE_ADDR": "198.51.101.7"}
    for _ in range(3):
        assert client.post(ENDPOINT, data=json.dumps(event()), content_type="text/plain",
                           environ_base=here).status_code == 201
    limited = client.post(ENDPOINT, data=json.dumps(event()), content_type="text/plain",
                          environ_base=same_network)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= DAY
    assert limited.json["field"] is None
    assert client.post(ENDPOINT, data=json.dumps(event()), content_type="text/plain",
                       environ_base=other_network).status_code == 201


def test_the_rate_limit_is_shared_through_redis(make_app):
    import uuid

    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        from .conftest import missing

        missing("Redis on 127.0.0.1:6379")
    # Two apps stand for two workers of the app server: each sees the other's requests.
    first, second = (make_app(CONSENT_RATE_LIMIT=f"2/{DAY}", REDIS_URL="redis://127.0.0.1:6379/0")
                     for _ in range(2))
    for app in (first, second):
        app.extensions["consent_limiter"].prefix = f"test:{uuid.uuid4().hex}:"
    second.extensions["consent_limiter"].prefix = first.extensions["consent_limiter"].prefix
    assert post(first.test_client(), event()).status_code == 201
    assert post(second.test_client(), event()).status_code == 201
    limited = post(first.test_client(), event())
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    # The window's counter goes with its window (Redis keeps no counter for ever).
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    counters = client.keys(f"{first.extensions['consent_limiter'].prefix}*")
    assert len(counters) == 1 and 0 < client.ttl(counters[0]) <= DAY + 1
    assert int(client.get(counters[0])) == 3
    client.delete(*counters)


def test_the_endpoint_never_sets_a_cookie(client):
    for response in (post(client, event()), post(client, b"x"), client.get("/healthz"),
                     client.options(ENDPOINT, headers={"Origin": "https://kppay.tg"})):
        assert "Set-Cookie" not in response.headers


def test_commits_are_durable(app, db_kind):
    with app.extensions["consent_engine"].connect() as connection:
        if db_kind == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        else:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_the_path_is_configurable(make_app):
    client = make_app(CONSENT_PATH="/api/v1/proofs").test_client()
    assert client.post("/api/v1/proofs", json=event()).status_code == 201
    assert client.post(ENDPOINT, json=event()).status_code in (404, 405)


def test_a_database_that_is_down_is_a_503_json(make_app, db_kind, tmp_path):
    down = (f"sqlite:///{tmp_path}/missing/folder/consents.sqlite3" if db_kind == "sqlite"
            else "postgresql+psycopg://postgres@127.0.0.1:1/test")
    app = make_app(DATABASE_URL=down, CONSENT_AUTO_MIGRATE=False)
    client = app.test_client()
    for response in (post(client, event()), client.get("/healthz"),
                     client.get(f"{ENDPOINT}/{'a' * 32}")):
        assert response.status_code == 503
        assert response.json == {"error": "database unavailable, try again later",
                                 "field": None}
        assert response.headers["Retry-After"]


def test_a_database_without_the_table_is_a_503_naming_the_fix(make_app, db_url, db_kind):
    app = make_app()
    from alembic import command

    from server.migrate import alembic_config

    engine = app.extensions["consent_engine"]
    command.downgrade(alembic_config(engine), "base")
    try:
        response = post(app.test_client(), event())
        assert response.status_code == 503
        assert "db upgrade" in response.json["error"]
    finally:
        command.upgrade(alembic_config(engine), "head")
    assert sa.inspect(engine).has_table("consent_events")
