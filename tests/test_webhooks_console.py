"""The console's webhooks page through Flask's test client, on SQLite and PostgreSQL: an owner
adds an endpoint (its secret shown once), sees each attempt, removes it; forms need their CSRF
token; another owner's site is a 404. The browser and axe-core: test_webhooks_browser.py."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from server.webhooks import delivery
from server.webhooks.tables import attempts, messages
from server.webhooks.tables import endpoints as endpoint_table

from .server_helpers import event, post
from .test_console import EMAIL, PASSWORD, login, token
from .webhook_receiver import Receiver

PAGE = "/admin/kppay/webhooks"


@pytest.fixture
def console(make_app):
    from server.console import accounts
    from server.console.tables import owner_sites, owners

    app = make_app(CONSENT_WEBHOOK_LOCAL=True, CONSENT_WEBHOOK_BACKOFF=0.05,
                   CONSENT_WEBHOOK_SETTLE=0)
    engine = app.extensions["consent_engine"]
    accounts.add(engine, EMAIL, PASSWORD, ["kppay"])
    yield app
    with engine.begin() as connection:
        for table in (attempts, messages, endpoint_table, owner_sites, owners):
            connection.execute(table.delete())


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.down()


def add(client, url: str):
    return client.post(PAGE, data={"url": url, "csrf_token": token(client, PAGE)})


def test_logged_out_the_page_leads_to_the_login(console):
    response = console.test_client().get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=/admin/kppay/webhooks")


def test_an_endpoint_added_shows_its_secret_once_and_every_attempt(console, receiver):
    client = console.test_client()
    login(client)
    added = add(client, receiver.url)
    assert added.status_code == 201
    assert added.headers["Cache-Control"] == "no-store"
    assert "'unsafe-inline'" not in added.headers["Content-Security-Policy"]
    receiver.secret = re.search(r'<code id="secret">(whsec_[^<]+)</code>', added.text).group(1)
    again = client.get(PAGE)
    assert receiver.secret not in again.text
    assert receiver.url in again.text and 'id="no-messages"' in again.text

    receiver.status = 503
    assert post(console.test_client(), event()).status_code == 201
    engine, key = console.extensions["consent_engine"], console.extensions["consent_keys"]
    policy = delivery.Policy.of(console.config)
    assert delivery.deliver_once(engine, key["webhook"], policy) == {"pending": 1}
    receiver.status = 204
    for _ in range(200):  # the retry waits 25 to 50 ms
        if delivery.deliver_once(engine, key["webhook"], policy).get("delivered"):
            break
    client.post("/admin/language", data={"lang": "en", "csrf_token": token(client, PAGE)})
    page = client.get(PAGE).text
    assert "HTTP 503" in page and "HTTP 204" in page
    assert "✓ delivered" in page
    assert [r.verified for r in receiver.received] == [True, True]

    client.post("/admin/language", data={"lang": "fr", "csrf_token": token(client, PAGE)})
    french = client.get(PAGE).text
    assert "Points de réception" in french and "✓ remis" in french


@pytest.mark.parametrize(("url", "message"), [
    ("http://hooks.example.com/in", "doit commencer par https://"),
    ("not a url", "adresse complète"),
])
def test_a_bad_address_is_shown_again_with_its_message_in_french_first(console, url, message):
    client = console.test_client()
    login(client)
    refused = add(client, url)
    assert refused.status_code == 400
    assert message in refused.text
    assert 'aria-describedby="url-error"' in refused.text
    with console.extensions["consent_engine"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            endpoint_table)).scalar_one() == 0


def test_removing_an_endpoint_stops_the_queue_at_once(console, receiver):
    client = console.test_client()
    login(client)
    add(client, receiver.url)
    assert post(console.test_client(), event()).status_code == 201
    with console.extensions["consent_engine"].connect() as connection:
        endpoint_id = connection.execute(sa.select(endpoint_table.c.id)).scalar_one()
    removed = client.post(f"{PAGE}/{endpoint_id}/remove",
                          data={"csrf_token": token(client, PAGE)})
    assert removed.status_code == 303
    assert 'id="no-endpoints"' in client.get(PAGE).text
    assert post(console.test_client(), event()).status_code == 201
    with console.extensions["consent_engine"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            messages)).scalar_one() == 0


def test_forms_need_their_token_and_other_sites_are_not_found(console, receiver):
    client = console.test_client()
    login(client)
    assert client.post(PAGE, data={"url": receiver.url}).status_code == 400
    assert client.get("/admin/boutique/webhooks").status_code == 404
    assert client.post("/admin/boutique/webhooks",
                       data={"url": receiver.url, "csrf_token": token(client, PAGE)}
                       ).status_code == 404
    add(client, receiver.url)
    with console.extensions["consent_engine"].connect() as connection:
        endpoint_id = connection.execute(sa.select(endpoint_table.c.id)).scalar_one()
    # Another site's path cannot remove this site's endpoint.
    client.post(f"/admin/boutique/webhooks/{endpoint_id}/remove",
                data={"csrf_token": token(client, PAGE)})
    assert receiver.url in client.get(PAGE).text
