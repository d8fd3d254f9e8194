"""The consent endpoint under hostile input (issue 18's findings 1, 2, 6, 7 and 8), on SQLite
and PostgreSQL: a 4xx naming the field, never a 500, and nothing wrong stored."""

from __future__ import annotations

import json
import logging

import pytest

from server.store import receipt

from .server_helpers import CATEGORIES, DAY, ENDPOINT, event, post, rows


@pytest.fixture
def app(make_app):
    return make_app(CONSENT_ORIGINS_KPPAY="https://www.kppay.tg")


@pytest.fixture
def client(app):
    return app.test_client()


def _raw_event(**raw: str) -> bytes:
    """A valid event whose named fields are written as the given raw JSON text."""
    body = event()
    text = json.dumps({k: v for k, v in body.items() if k not in raw})
    extra = ", ".join(f'"{k}": {v}' for k, v in raw.items())
    return (text[:-1] + ", " + extra + "}").encode()


# Finding 1: each of these was a 500.
@pytest.mark.parametrize(("data", "field", "message"), [
    (b"[" * 2000, None, "nested deeper"),
    (_raw_event(choices='{"essential": [[[[true]]]]}'), "choices.essential.0", "nested deeper"),
    (_raw_event(page_url='"http://["'), "page_url", "must match pattern"),
    (_raw_event(page_url='"http://\\u2100/"'), "page_url", "must match pattern"),
    (_raw_event(page_url='"https://a/\\u0000"'), "page_url", "control character"),
    (_raw_event(page_url='"https://a/\\ud800"'), "page_url", "unpaired surrogate"),
    (_raw_event(page_url='"https://a:99999/"'), "page_url", "not a URL"),
    (_raw_event(client_time='"0001-01-01T00:00:00+01:00"'), "client_time", "must match pattern"),
    (_raw_event(client_time='"9999-12-31T23:59:59-01:00"'), "client_time", "not a valid date"),
    (_raw_event(client_time='"1970-01-01T00:30:00+01:00"'), "client_time", "out of range"),
    (_raw_event(event_id='"' + "a" * 32 + '\\n"'), "event_id", "control character"),
    (_raw_event(consent_id='"' + "b" * 32 + '\\n"'), "consent_id", "control character"),
    (_raw_event(language='"fr\\u0000"'), "language", "control character"),
    (_raw_event(**{"x\\u0000": "1"}), None, "field name"),
    (_raw_event(revision="NaN"), None, "not JSON"),
    (_raw_event(revision="1" * 4000), None, None),
])
def test_hostile_bodies_are_a_400_naming_the_field(app, client, data, field, message):
    before = len(rows(app))
    response = post(client, data)
    assert response.status_code in (400, 413), response.data[:300]
    if response.status_code == 400:
        assert response.json["field"] == field
        assert message is None or message in response.json["error"]
    assert len(rows(app)) == before


def test_patterns_match_whole_values_only():
    from consent_ids import matches_whole as whole_match
    from server.contract import HEX32, ISO_TIME, PAGE_URL

    assert whole_match(HEX32, "a" * 32)
    assert not whole_match(HEX32, "a" * 32 + "\n")
    assert not whole_match(ISO_TIME, "2026-11-25T08:30:00Z\n")
    assert not whole_match(PAGE_URL, "https://a/\n")
    assert not whole_match(ISO_TIME, "\u0662\u0660\u0662\u0666-11-25T08:30:00Z")  # Arabic digits


# Finding 2: stored as sent, or refused.
def test_credentials_query_and_fragment_never_reach_the_database(app, client):
    body = event(page_url="https://user:secret@WWW.kppay.tg:8443/p;x?q=1#top")
    assert post(client, body).status_code == 201
    (row,) = rows(app, event_id=body["event_id"])
    assert row["page_url"] == "https://www.kppay.tg:8443/p;x"


@pytest.mark.parametrize(("raw", "field"), [
    ({"client_time": '"0008-12-08T12:16:15Z"'}, "client_time"),
    ({"revision": "1.0"}, "revision"),
    ({"revision": "true"}, "revision"),
])
def test_values_the_record_cannot_keep_as_sent_are_refused(app, client, raw, field):
    before = len(rows(app))
    response = post(client, _raw_event(**raw))
    assert response.status_code == 400
    assert response.json["field"] == field
    assert len(rows(app)) == before


def test_what_is_stored_reads_back_as_described_and_verifies(app, client):
    body = event(client_time="1970-01-01T00:00:00.5Z")
    answer = post(client, body).json
    history = client.get(f"{ENDPOINT}/{body['consent_id']}").json
    (stored,) = history["events"]
    assert stored["client_time"] == "1970-01-01T00:00:00.500000Z"
    (row,) = rows(app, event_id=body["event_id"])
    assert receipt(row, app.extensions["consent_keys"]["receipt"]) == answer["receipt"]


# Finding 8: one rule for "the same event".
@pytest.mark.parametrize("change", [
    {"gpc": True, "choices": {c: True for c in CATEGORIES}}, {"language": "en"},
    {"page_url": "https://www.kppay.tg/autre"}, {"client_time": "2026-11-25T08:30:01Z"},
    {"action": "custom"}, {"revision": 1, "consent_id": "c" * 32},
])
def test_an_event_id_sent_again_with_any_field_changed_is_a_409(app, client, change):
    body = event()
    assert post(client, body).status_code == 201
    response = post(client, dict(body, **change))
    assert response.status_code == 409
    assert response.json["field"] == "event_id"
    assert len(rows(app, event_id=body["event_id"])) == 1


def test_the_same_event_with_another_user_agent_or_query_is_a_replay(client):
    body = event(client_time="2026-11-25T09:30:00+01:00")
    first = post(client, body)
    again = post(client, dict(body, page_url=body["page_url"] + "?utm=1",
                              client_time="2026-11-25T08:30:00Z"), **{"User-Agent": "other"})
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"


# Finding 8: an erased event is not recorded again.
def test_an_erased_event_sent_again_is_a_410_and_not_stored(app, client):
    body = event()
    assert post(client, body).status_code == 201
    assert client.delete(f"{ENDPOINT}/{body['consent_id']}").status_code == 200
    again = post(client, body)
    assert again.status_code == 410
    assert again.json["field"] == "event_id"
    assert rows(app, consent_id=body["consent_id"]) == []
    # A new choice of the same visitor is a new event, and is recorded.
    assert post(client, event(consent_id=body["consent_id"])).status_code == 201
    from server.tables import erased_events

    with app.extensions["consent_engine"].connect() as connection:
        kept = connection.execute(erased_events.select()).mappings().all()
    assert body["event_id"] not in json.dumps([dict(k) for k in kept], default=str)


# Finding 8: a preflight for a path that is no consent id.
@pytest.mark.parametrize("path", ["null%2Cnull", "A" * 32, "a" * 31])
def test_a_preflight_for_something_not_a_consent_id_is_a_400(client, path):
    response = client.options(f"{ENDPOINT}/{path}", headers={
        "Origin": "https://www.kppay.tg", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 400
    assert response.json["field"] == "consent_id"


# Finding 7: the owner is told, once per origin, without the visitor's address.
def test_a_refused_origin_is_readable_by_the_widget_and_logged_once(app, client, caplog):
    caplog.set_level(logging.WARNING, logger=app.logger.name)
    origin = "https://shop.kppay.tg"
    for visitor in ("203.0.113.7", "198.51.100.9", "203.0.113.8"):
        response = client.post(ENDPOINT, data=json.dumps(event()), content_type="text/plain",
                               headers={"Origin": origin}, environ_base={"REMOTE_ADDR": visitor})
        assert response.status_code == 403
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert set(response.json) == {"error", "field"} and origin in response.json["error"]
    logged = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(logged) == 1
    assert "kppay" in logged[0] and origin in logged[0] and "CONSENT_ORIGINS_KPPAY" in logged[0]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "203.0.113" not in text and "198.51.100" not in text


# Finding 6: Redis unreachable, per endpoint.
def test_without_redis_posts_are_counted_per_process_and_rights_wait(make_app, caplog):
    # Nothing listens on port 1: every Redis call fails at once.
    app = make_app(CONSENT_RATE_LIMIT=f"2/{DAY}", REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    assert [post(client, event()).status_code for _ in range(3)] == [201, 201, 429]
    consent_id = event()["consent_id"]
    for response in (client.get(f"{ENDPOINT}/{consent_id}"),
                     client.delete(f"{ENDPOINT}/{consent_id}")):
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "rate limit" in response.json["error"]
    assert sum("Redis unavailable" in r.getMessage() for r in caplog.records) == 1


# Finding 8: a formula after a separator a spreadsheet splits on.
@pytest.mark.parametrize("agent", [";=1+1", "Mozilla,=HYPERLINK(1)", "=1+1", "a|@SUM(1)"])
def test_no_csv_cell_holds_a_formula_a_spreadsheet_would_run(client, agent):
    import csv
    import io
    import re

    body = event()
    assert post(client, body, **{"User-Agent": agent}).status_code == 201
    text = client.get(f"{ENDPOINT}/{body['consent_id']}?format=csv").get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["user_agent"].replace("'", "") == agent
    for cell in text.splitlines()[1].replace('"', "").split(","):
        for piece in re.split(r"[;|\t]", cell):
            assert not piece.startswith(("=", "+", "@")), (piece, text)
