"""The visitor's rights on their consent id: access (JSON), portability (CSV), erasure."""

from __future__ import annotations

import csv
import io

import pytest

from .server_helpers import CATEGORIES, DAY, ENDPOINT, event, post, rows


@pytest.fixture
def app(make_app):
    return make_app(CONSENT_ORIGINS_KPPAY="https://kppay.tg")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def visitor(client):
    """A visitor who accepted everything, then withdrew social networks."""
    consent_id = event()["consent_id"]
    first = event(consent_id=consent_id, page_url="https://kppay.tg/?utm=x")
    second = event(consent_id=consent_id, action="withdraw", language="en",
                   choices={c: c != "social" for c in CATEGORIES}, gpc=True)
    receipts = [post(client, body).json["receipt"] for body in (first, second)]
    return consent_id, [first, second], receipts


def test_access_returns_the_whole_history_in_order(client, visitor):
    consent_id, sent, receipts = visitor
    response = client.get(f"{ENDPOINT}/{consent_id}", headers={"Origin": "https://kppay.tg"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "https://kppay.tg"
    assert "Set-Cookie" not in response.headers
    history = response.json
    assert history["consent_id"] == consent_id
    assert [e["event_id"] for e in history["events"]] == [b["event_id"] for b in sent]
    assert [e["receipt"] for e in history["events"]] == receipts
    assert [e["action"] for e in history["events"]] == ["accept_all", "withdraw"]
    assert history["events"][1]["choices"]["social"] is False
    assert history["events"][1]["gpc"] is True and history["events"][1]["language"] == "en"
    assert history["events"][0]["page_url"] == "https://kppay.tg/"


def test_portability_gives_the_same_history_as_csv(client, visitor):
    consent_id, sent, receipts = visitor
    response = client.get(f"{ENDPOINT}/{consent_id}?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="consent-{consent_id}.csv"' in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["event_id"] for r in table] == [b["event_id"] for b in sent]
    assert [r["receipt"] for r in table] == receipts
    assert [r["choice_social"] for r in table] == ["true", "false"]
    assert [r["choice_essential"] for r in table] == ["true", "true"]


@pytest.mark.parametrize(("consent_id", "status", "field"), [
    ("0" * 32, 404, "consent_id"),
    ("ABCDEF" + "0" * 26, 400, "consent_id"),
    ("short", 400, "consent_id"),
])
def test_unknown_and_malformed_ids(client, consent_id, status, field):
    for response in (client.get(f"{ENDPOINT}/{consent_id}"),
                     client.delete(f"{ENDPOINT}/{consent_id}")):
        assert response.status_code == status
        assert response.json["field"] == field


def test_an_unknown_format_is_a_400(client, visitor):
    response = client.get(f"{ENDPOINT}/{visitor[0]}?format=xml")
    assert response.status_code == 400
    assert response.json == {"error": "format must be json or csv", "field": "format"}


def test_erasure_deletes_every_event_of_the_id_and_nothing_else(app, client, visitor):
    consent_id, _, _ = visitor
    bystander = event()
    post(client, bystander)
    response = client.delete(f"{ENDPOINT}/{consent_id}")
    assert response.status_code == 200
    assert response.json == {"consent_id": consent_id, "deleted": 2}
    assert rows(app, consent_id=consent_id) == []
    assert len(rows(app, consent_id=bystander["consent_id"])) == 1
    assert client.get(f"{ENDPOINT}/{consent_id}").status_code == 404


def test_erasure_is_refused_with_the_reason_where_the_site_keeps_proofs(make_app):
    app = make_app(CONSENT_ERASURE_KPPAY="0")
    client = app.test_client()
    body = event()
    post(client, body)
    response = client.delete(f"{ENDPOINT}/{body['consent_id']}")
    assert response.status_code == 403
    assert response.json == {
        "error": "site kppay keeps consent records as proof of consent for 7 years (legal "
                 "obligation); they cannot be erased on request",
        "field": "consent_id"}
    assert len(rows(app, consent_id=body["consent_id"])) == 1


def test_rights_requests_are_rate_limited_too(make_app):
    client = make_app(CONSENT_RATE_LIMIT=f"2/{DAY}").test_client()
    for _ in range(2):
        assert client.get(f"{ENDPOINT}/{'1' * 32}").status_code == 404
    limited = client.get(f"{ENDPOINT}/{'1' * 32}")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"]


def test_two_erasures_of_one_id_at_once_never_give_a_500(app):
    """Two tabs (or a retry) erasing the same history at the same moment: each answer is
    200 or 404, and the history is gone."""
    import threading

    statuses = []

    def erase(consent_id: str, barrier: threading.Barrier) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.delete(f"{ENDPOINT}/{consent_id}").status_code)

    for _ in range(8):
        consent_id = event()["consent_id"]
        for _ in range(3):
            post(app.test_client(), event(consent_id=consent_id))
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=erase, args=(consent_id, barrier)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert rows(app, consent_id=consent_id) == []
    assert set(statuses) <= {200, 404} and statuses.count(200) >= 8, statuses
