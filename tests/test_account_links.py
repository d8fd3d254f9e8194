"""Account links (Espace Client), on SQLite and PostgreSQL: per-site API keys made and revoked
from the command line, shown once and stored hashed; the site's back end links consent ids to
a customer account, and one account's consents on two devices read as one history; no key and
no account identifier in clear in the database."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from .server_helpers import DAY, event, post

ACCOUNT = "KP-CLIENT-0042-ama.mensah"
OWNER, PASSWORD = "dpo@kppay.tg", "correct horse battery staple"


@pytest.fixture
def app(make_app):
    """The app, no account links, one console owner of KPpay."""
    from server.console import accounts
    from server.console.tables import metadata as console

    app = make_app()
    engine = app.extensions["consent_engine"]
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM account_links"))
        for table in reversed(console.sorted_tables):
            connection.execute(table.delete())
    accounts.add(engine, OWNER, PASSWORD, ["kppay"])
    return app


def token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def owner(app):
    client = app.test_client()
    client.post("/admin/login", data={"email": OWNER, "password": PASSWORD,
                                      "csrf_token": token(client, "/admin/login")})
    return client


def new_key(app, site="kppay", label="Espace Client") -> str:
    result = app.test_cli_runner().invoke(args=["api-keys", "create", "--site", site,
                                                "--label", label])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def call(client, path: str, key: str | None, body=None, **headers):
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.post(f"/api/v1/accounts/{path}", json=body, headers=headers)


def consent(client) -> str:
    """A consent recorded from a browser; its id."""
    sent = event()
    assert post(client, sent).status_code == 201
    return sent["consent_id"]


def test_two_devices_linked_to_one_account_read_as_one_history(app):
    client, key = app.test_client(), new_key(app)
    phone, laptop, stranger = consent(client), consent(client), consent(client)
    assert post(client, event(consent_id=laptop, action="refuse_all",
                              choices={"essential": True, "performance": False,
                                       "functionality": False, "targeting": False,
                                       "social": False})).status_code == 201
    first = call(client, "links", key, {"account": ACCOUNT, "consent_id": phone})
    assert first.status_code == 201 and first.json == {"consent_id": phone, "linked": True}
    assert call(client, "links", key, {"account": ACCOUNT, "consent_id": laptop}).status_code \
        == 201
    # Each login links again: the same link is not made twice.
    assert call(client, "links", key, {"account": ACCOUNT, "consent_id": phone}).status_code \
        == 200
    found = call(client, "history", key, {"account": ACCOUNT})
    assert found.status_code == 200 and found.headers["Cache-Control"] == "no-store"
    assert found.json["consent_ids"] == [phone, laptop]
    assert [(e["consent_id"], e["action"]) for e in found.json["events"]] == [
        (phone, "accept_all"), (laptop, "accept_all"), (laptop, "refuse_all")]
    assert stranger not in found.text
    csv = call(client, "history", key, {"account": ACCOUNT, "format": "csv"})
    assert csv.mimetype == "text/csv" and len(csv.text.strip().splitlines()) == 4
    other = call(client, "history", key, {"account": "someone else"})
    assert other.json == {"consent_ids": [], "events": []}


def test_no_key_and_no_account_identifier_is_stored_in_clear(app):
    client, key = app.test_client(), new_key(app)
    call(client, "links", key, {"account": ACCOUNT, "consent_id": consent(client)})
    engine = app.extensions["consent_engine"]
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")):
                text = " ".join(map(str, row))
                assert ACCOUNT not in text and ACCOUNT.lower() not in text, table
                assert key not in text and key[12:] not in text, table


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic a2V5OnNlY3JldA==",
                                           "Bearer ck_" + "x" * 43, "Bearer not-a-key"])
def test_a_missing_or_unknown_key_is_401(app, authorization):
    new_key(app)
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = app.test_client().post("/api/v1/accounts/links", headers=headers,
                                    json={"account": ACCOUNT, "consent_id": uuid.uuid4().hex})
    assert answer.status_code == 401
    assert answer.json["field"] is None and answer.json["error"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_401_at_once_and_its_links_stay(app):
    client, key = app.test_client(), new_key(app)
    kept = new_key(app, label="Kept")
    consent_id = consent(client)
    assert call(client, "links", key, {"account": ACCOUNT, "consent_id": consent_id}) \
        .status_code == 201
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["api-keys", "list", "--site", "kppay"]).output
    assert key[:11] in listed and key not in listed and "live" in listed
    revoked = runner.invoke(args=["api-keys", "revoke", "--site", "kppay", key[:11]])
    assert revoked.exit_code == 0, revoked.output
    answer = call(client, "history", key, {"account": ACCOUNT})
    assert answer.status_code == 401 and answer.json["error"] == "unknown or revoked API key"
    assert "revoked" in runner.invoke(args=["api-keys", "list", "--site", "kppay"]).output
    assert call(client, "history", kept, {"account": ACCOUNT}).json["consent_ids"] == [
        consent_id]
    again = runner.invoke(args=["api-keys", "revoke", "--site", "kppay", key[:11]])
    assert again.exit_code != 0 and "no live key" in again.output


def test_a_key_is_made_for_a_built_site_only(app):
    result = app.test_cli_runner().invoke(args=["api-keys", "create", "--site", "nowhere",
                                                "--label", "x"])
    assert result.exit_code != 0 and "no built site 'nowhere'" in result.output


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"consent_id": "a" * 32}, 400, "account"),
    ({"account": "", "consent_id": "a" * 32}, 400, "account"),
    ({"account": 42, "consent_id": "a" * 32}, 400, "account"),
    ({"account": "x" * 257, "consent_id": "a" * 32}, 400, "account"),
    ({"account": "a\nb", "consent_id": "a" * 32}, 400, "account"),
    ({"account": ACCOUNT}, 400, "consent_id"),
    ({"account": ACCOUNT, "consent_id": "A" * 32}, 400, "consent_id"),
    ([ACCOUNT], 400, None),
])
def test_bad_bodies_get_a_json_error_naming_the_field(app, body, status, field):
    answer = call(app.test_client(), "links", new_key(app), body)
    assert answer.status_code == status and answer.json["field"] == field


def test_what_is_not_json_or_too_big_is_refused_in_json(app):
    client, key = app.test_client(), new_key(app)
    headers = {"Authorization": f"Bearer {key}"}
    text = client.post("/api/v1/accounts/links", data="account=x", headers=headers,
                       content_type="application/x-www-form-urlencoded")
    assert text.status_code == 415 and text.json["error"].startswith("send a JSON object")
    broken = client.post("/api/v1/accounts/links", data="{", headers=headers,
                         content_type="application/json")
    assert broken.status_code == 400 and broken.json["field"] is None
    big = call(client, "links", key, {"account": ACCOUNT, "padding": "x" * 5000})
    assert big.status_code == 413 and "error" in big.json
    wrong = call(client, "history", key, {"account": ACCOUNT, "format": "xml"})
    assert wrong.status_code == 400 and wrong.json["field"] == "format"


def test_the_api_is_rate_limited_per_network(make_app):
    app = make_app(CONSENT_ACCOUNTS_RATE_LIMIT=f"3/{DAY}")
    client, key = app.test_client(), new_key(app)
    answers = [call(client, "history", key, {"account": ACCOUNT}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0 and answers[-1].json["error"]
    # Wrong keys count too: guessing is limited like the rest.
    assert call(client, "history", "ck_wrong", {"account": ACCOUNT}).status_code == 429


def test_unlinking_an_account_and_erasing_a_consent_forget_their_links(app):
    client, key = app.test_client(), new_key(app)
    phone, laptop = consent(client), consent(client)
    for consent_id in (phone, laptop):
        call(client, "links", key, {"account": ACCOUNT, "consent_id": consent_id})
    assert client.delete(f"/api/v1/consents/{phone}").status_code == 200
    assert call(client, "history", key, {"account": ACCOUNT}).json["consent_ids"] == [laptop]
    gone = call(client, "unlink", key, {"account": ACCOUNT})
    assert gone.status_code == 200 and gone.json == {"unlinked": 1}
    assert call(client, "history", key, {"account": ACCOUNT}).json["consent_ids"] == []


# --- The console ----------------------------------------------------------------------------

PAGE = "/admin/kppay/accounts"


def test_the_console_makes_a_key_shows_it_once_and_revokes_it(app):
    console = owner(app)
    made = console.post(f"{PAGE}/keys", data={"label": "Espace Client",
                                              "csrf_token": token(console, PAGE)},
                        headers={"Accept-Language": "en"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    key = re.search(r'<code id="new-key">([^<]+)</code>', made.text).group(1)
    listed = console.get(PAGE, headers={"Accept-Language": "en"}).text
    assert key not in listed and f"{key[:11]}…" in listed and OWNER in listed
    client = app.test_client()
    assert call(client, "history", key, {"account": ACCOUNT}).status_code == 200
    revoked = console.post(f"{PAGE}/keys/{key[:11]}/revoke",
                           data={"csrf_token": token(console, PAGE)})
    assert revoked.status_code == 303
    assert call(client, "history", key, {"account": ACCOUNT}).status_code == 401
    empty = console.post(f"{PAGE}/keys", data={"label": " ", "csrf_token": token(console, PAGE)},
                         headers={"Accept-Language": "en"})
    assert empty.status_code == 400 and 'id="label-error"' in empty.text


def test_the_console_shows_one_accounts_consents_across_devices(app):
    client, key = app.test_client(), new_key(app)
    phone, laptop = consent(client), consent(client)
    for consent_id in (phone, laptop):
        call(client, "links", key, {"account": ACCOUNT, "consent_id": consent_id})
    console = owner(app)
    found = console.post(PAGE, data={"account": ACCOUNT, "csrf_token": token(console, PAGE)},
                         headers={"Accept-Language": "en"})
    assert found.status_code == 200 and "2 devices (consent references) linked" in found.text
    table = re.search(r'<table class="records" id="history">.*?</table>', found.text, re.S)[0]
    assert table.count("<tr>") == 3 and f"{phone[:8]}…" in table and f"{laptop[:8]}…" in table
    unknown = console.post(PAGE, data={"account": "nobody", "csrf_token": token(console, PAGE)},
                           headers={"Accept-Language": "en"})
    assert 'id="no-links"' in unknown.text
    assert console.post(PAGE, data={"account": "", "csrf_token": token(console, PAGE)}) \
        .status_code == 400


def test_a_rights_request_shows_every_device_of_the_account(app):
    client, key = app.test_client(), new_key(app)
    phone, laptop, stranger = consent(client), consent(client), consent(client)
    for consent_id in (phone, laptop):
        call(client, "links", key, {"account": ACCOUNT, "consent_id": consent_id})
    visitor = app.test_client()
    sent = visitor.post("/rights/kppay", data={
        "kind": "access", "email": "ama@example.tg", "consent_id": laptop})
    reference = re.search(r'id="reference">([^<]+)<',
                          visitor.get(sent.headers["Location"]).text).group(1)
    page = owner(app).get(f"/admin/kppay/rights/{reference}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and 'id="devices"' in page.text
    table = re.search(r'<table class="records" id="history">.*?</table>', page.text, re.S)[0]
    assert f"{phone[:8]}…" in table and f"{laptop[:8]}…" in table
    assert f"{stranger[:8]}…" not in table
    # The visitor's reference and the owner's notice wait in the outbox, listed on the page.
    mail = re.search(r'<ul class="trail" id="mail">.*?</ul>', page.text, re.S)[0]
    assert "ama@example.tg" in mail and OWNER in mail and "waiting to be sent" in mail


def test_the_retention_purge_forgets_the_links_of_purged_consents(app):
    """Links older than the retention period whose consent has no event left go with the
    purge; a link whose consent still has events, or a young one, stays."""
    from datetime import UTC, datetime, timedelta

    from server.account_links.tables import account_links

    client, key = app.test_client(), new_key(app)
    purged, kept, young = uuid.uuid4().hex, consent(client), uuid.uuid4().hex
    for consent_id in (purged, kept, young):
        call(client, "links", key, {"account": ACCOUNT, "consent_id": consent_id})
    engine = app.extensions["consent_engine"]
    long_ago = datetime.now(UTC) - timedelta(days=8 * 366)
    with engine.begin() as connection:
        connection.execute(account_links.update().where(
            account_links.c.consent_id.in_([purged, kept])).values(linked_at=long_ago))
    result = app.test_cli_runner().invoke(args=["consents", "purge"])
    assert result.exit_code == 0, result.output
    assert "site kppay: forgot 1 account links of purged consents" in result.output
    assert call(client, "history", key, {"account": ACCOUNT}).json["consent_ids"] == [
        kept, young]
