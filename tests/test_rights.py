"""Visitors' rights requests, on SQLite and PostgreSQL: the form at /rights/<site> (fields,
errors, CSRF, rate limit, languages), the due date from the site's file, the owner's inbox
(overdue marked, one owner's sites only), and the append-only trail of every step. The
browser (keyboard, axe, CSP): test_rights_browser.py."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from .conftest import ROOT, build_site
from .server_helpers import event, post

PASSWORD = "correct horse battery staple"
KPPAY_OWNER = "dpo@kppay.tg"
BOUTIQUE_OWNER = "legal@boutique.example"
BOUTIQUE_DAYS = 30


@pytest.fixture(scope="module")
def sites_dist(tmp_path_factory):
    """KPpay built from its file (45 days), and "boutique" built from a copy of it whose
    rights_response_days is 30."""
    out = tmp_path_factory.mktemp("rights-dist")
    build_site(out)
    folder = tmp_path_factory.mktemp("sites")
    text = (ROOT / "sites" / "kppay.toml").read_text(encoding="utf-8")
    assert "rights_response_days = 45" in text
    boutique = folder / "boutique.toml"
    boutique.write_text(text.replace('id = "kppay"', 'id = "boutique"')
                        .replace("rights_response_days = 45",
                                 f"rights_response_days = {BOUTIQUE_DAYS}"), encoding="utf-8")
    build_site(out, boutique)
    return out


@pytest.fixture
def make(make_app, sites_dist):
    """An app on both sites with one owner each (the console's tables emptied first)."""
    from server.console import accounts
    from server.console.tables import metadata

    def made(**overrides):
        app = make_app(CONSENT_DIST_DIR=str(sites_dist), **overrides)
        engine = app.extensions["consent_engine"]
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
        accounts.add(engine, KPPAY_OWNER, PASSWORD, ["kppay"])
        accounts.add(engine, BOUTIQUE_OWNER, PASSWORD, ["boutique"])
        return app

    return made


@pytest.fixture
def app(make):
    return make()


def token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def file(client, site="kppay", **fields) -> str:
    """File a request from the page as a visitor; the reference the confirmation shows."""
    data = {"kind": "access", "email": "ama@example.tg", "message": "Bonjour", **fields}
    sent = client.post(f"/rights/{site}", data=data)
    assert sent.status_code == 303, sent.text
    confirmation = client.get(sent.headers["Location"])
    assert confirmation.status_code == 200
    return re.search(r'id="reference">([^<]+)<', confirmation.text).group(1)


def owner(app, email=KPPAY_OWNER):
    client = app.test_client()
    client.post("/admin/login", data={"email": email, "password": PASSWORD,
                                      "csrf_token": token(client, "/admin/login")})
    return client


def stored(app, reference: str) -> dict:
    from server.rights.tables import requests

    with app.extensions["consent_engine"].connect() as connection:
        return dict(connection.execute(sa.select(requests).where(
            requests.c.reference == reference)).mappings().one())


def steps(app, reference: str) -> list[tuple[str, str | None]]:
    from server.rights.tables import trail

    request_id = stored(app, reference)["id"]
    with app.extensions["consent_engine"].connect() as connection:
        return [tuple(r) for r in connection.execute(
            sa.select(trail.c.step, trail.c.text).where(trail.c.request_id == request_id)
            .order_by(trail.c.id))]


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- Filing ---------------------------------------------------------------------------------

def test_a_request_filed_from_the_page_is_in_the_inbox_due_in_45_days(app):
    visitor = app.test_client()
    before = datetime.now(UTC)
    reference = file(visitor, kind="objection", email="Ama@Example.tg")
    row = stored(app, reference)
    received, due = as_utc(row["received_at"]), as_utc(row["due_at"])
    assert before <= received <= datetime.now(UTC)
    assert due - received == timedelta(days=45)
    assert (row["site"], row["kind"], row["email"], row["message"]) == (
        "kppay", "objection", "Ama@Example.tg", "Bonjour")
    assert steps(app, reference) == [("received", None)]
    inbox = owner(app).get("/admin/kppay/rights", headers={"Accept-Language": "en"})
    assert inbox.status_code == 200 and reference in inbox.text
    assert inbox.headers["Content-Security-Policy"].startswith("default-src 'self'")
    line = re.search(rf"<tr>((?:(?!</tr>).)*{reference}.*?)</tr>", inbox.text, re.S).group(1)
    assert due.date().isoformat() in line and "45 days left" in line
    assert "Objection to their use" in line


def test_the_due_date_follows_the_sites_file(app):
    reference = file(app.test_client(), site="boutique")
    row = stored(app, reference)
    assert row["site"] == "boutique"
    assert as_utc(row["due_at"]) - as_utc(row["received_at"]) == timedelta(days=BOUTIQUE_DAYS)
    page = app.test_client().get("/rights/boutique", headers={"Accept-Language": "en"})
    assert f"within {BOUTIQUE_DAYS} days" in page.text
    inbox = owner(app, BOUTIQUE_OWNER).get("/admin/boutique/rights",
                                           headers={"Accept-Language": "en"})
    assert reference in inbox.text and f"{BOUTIQUE_DAYS} days left" in inbox.text


def test_the_confirmation_shows_the_reference_and_the_due_date_in_the_visitors_language(app):
    visitor = app.test_client()
    data = {"kind": "access", "email": "a@example.tg"}
    sent = visitor.post("/rights/kppay", data=data)
    french = visitor.get(sent.headers["Location"])
    assert "Set-Cookie" not in french.headers  # set once, by the request that filed it
    reference = re.search(r'id="reference">([^<]+)<', french.text).group(1)
    due = as_utc(stored(app, reference)["due_at"]).date()
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]
    assert f"{due.day} {months[due.month - 1]} {due.year}" in french.text
    assert 'lang="fr"' in french.text and "Demande reçue" in french.text
    # The language rides in the address: the confirmation's own links switch it.
    english = visitor.get(re.search(r'href="([^"]+)" lang="en"', french.text).group(1)
                          .replace("&amp;", "&"))
    assert 'lang="en"' in english.text and "Request received" in english.text
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{12}", reference)


def test_the_consent_reference_is_filled_in_from_the_banners_cookie(app):
    consent_id = uuid.uuid4().hex
    visitor = app.test_client()
    visitor.set_cookie("consent_banner",
                       "%7B%22consent_id%22%3A%22" + consent_id + "%22%2C%22revision%22%3A1%7D",
                       path="/")
    assert f'value="{consent_id}"' in visitor.get("/rights/kppay").text
    visitor.set_cookie("consent_banner", "not json", path="/")
    assert 'id="consent_id" name="consent_id" value=""' in visitor.get("/rights/kppay").text


def test_the_banners_link_fills_in_its_reference_and_language(app):
    consent_id, in_cookie = uuid.uuid4().hex, uuid.uuid4().hex
    visitor = app.test_client()
    page = visitor.get(f"/rights/kppay?lang=en&consent_id={consent_id}")
    assert f'value="{consent_id}"' in page.text and 'lang="en"' in page.text
    # Reading the form stores nothing in the browser (the site's cookie audit would flag it).
    assert "Set-Cookie" not in page.headers
    # Whatever else the address holds is dropped, never a 500.
    for query in ("site_id=other", "_scheme=ftp", "lang=fr&lang=en", "consent_id=a&_external=1"):
        odd = visitor.get(f"/rights/kppay?{query}")
        assert odd.status_code == 200, query
    # A HEAD is a GET without its body (a link checker's, a crawler's), not a request filed.
    head = visitor.head(f"/rights/kppay?lang=en&consent_id={consent_id}")
    assert head.status_code == 200 and "Set-Cookie" not in head.headers
    # The other language keeps the reference; the form is sent to the same address.
    assert f'href="/rights/kppay?lang=fr&amp;consent_id={consent_id}"' in page.text
    assert re.search(r'<form method="post" class="stack"', page.text)
    visitor.set_cookie("consent_banner", "%7B%22consent_id%22%3A%22" + in_cookie + "%22%7D",
                       path="/")
    # Not a reference: the cookie's is used; an unknown language is the browser's.
    page = visitor.get("/rights/kppay?lang=xx&consent_id=%3Cb%3E",
                       headers={"Accept-Language": "en"})
    assert f'value="{in_cookie}"' in page.text and "&lt;b&gt;" not in page.text
    assert 'lang="en"' in page.text


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"kind": ""}, "kind", "Choose the right you want to exercise."),
    ({"kind": "everything"}, "kind", "Choose the right you want to exercise."),
    ({"consent_id": "abc"}, "consent_id", "A consent reference is 32 characters"),
    ({"consent_id": "g" * 32}, "consent_id", "A consent reference is 32 characters"),
    ({"email": ""}, "email", "Give an e-mail address"),
    ({"email": "ama at example"}, "email", "This is not an e-mail address"),
    ({"email": "a@" + "b" * 250 + ".tg"}, "email", "This is not an e-mail address"),
    ({"message": "x" * 4001}, "message", "Write at most 4000 characters."),
])
def test_bad_input_shows_the_form_again_with_a_message_tied_to_its_field(app, fields, field,
                                                                         message):
    from server.rights.tables import requests

    visitor = app.test_client()
    data = {"kind": "erasure", "email": "a@example.tg", "consent_id": "a" * 32, **fields}
    with app.extensions["consent_engine"].connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(requests)).scalar()
    answer = visitor.post("/rights/kppay", data=data, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', answer.text)
    assert error and error.group(1).startswith(message)
    described = "fieldset" if field == "kind" else f'id="{field}"'
    tag = re.search(rf"<{described}[^>]*>", answer.text, re.S) if field == "kind" else \
        re.search(rf"<(?:input|textarea) {described}[^>]*>", answer.text, re.S)
    assert f"{field}-error" in tag.group(0) and 'aria-invalid="true"' in tag.group(0)
    with app.extensions["consent_engine"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(requests)).scalar() \
            == count


def test_an_unknown_site_has_a_404_page(app):
    page = app.test_client().get("/rights/nowhere", headers={"Accept-Language": "en"})
    assert page.status_code == 404 and "There is no such page" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert app.test_client().get("/rights/nowhere/filed").status_code == 404


def test_a_form_sent_from_another_site_is_refused(app):
    from server.rights.tables import requests

    with app.extensions["consent_engine"].connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(requests)).scalar()
    visitor = app.test_client()
    data = {"kind": "access", "email": "a@example.tg"}
    english = {"Accept-Language": "en"}
    for forged in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                   {"Origin": "https://evil.example"}, {"Origin": "null"}):
        refused = visitor.post("/rights/kppay", data=data, headers={**english, **forged})
        assert refused.status_code == 400 and "This form has expired" in refused.text, forged
    with app.extensions["consent_engine"].connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(requests)).scalar() \
            == count
    # From the form itself, as a browser sends it.
    ours = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    assert visitor.post("/rights/kppay", data=data, headers=ours).status_code == 303
    assert visitor.post("/rights/kppay", data=data,
                        headers={"Origin": "http://localhost"}).status_code == 303


def test_filing_is_rate_limited_per_network_and_no_address_is_kept(make, caplog):
    from server.rights.tables import requests, trail

    app = make(CONSENT_RIGHTS_RATE_LIMIT="2/3600")
    caplog.set_level("INFO")
    address = "203.0.113.77"
    visitor = app.test_client()
    visitor.environ_base["REMOTE_ADDR"] = address
    first = file(visitor)
    bad = visitor.post("/rights/kppay", data={})
    assert bad.status_code == 400  # counted too: a flood of bad forms is still a flood
    limited = visitor.post("/rights/kppay", headers={"Accept-Language": "en"}, data={
        "kind": "access", "email": "a@example.tg"})
    assert limited.status_code == 429 and "Too many requests" in limited.text
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    # Another network is not limited by this one.
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    file(neighbour)
    assert address not in caplog.text and "203.0.113" not in caplog.text
    with app.extensions["consent_engine"].connect() as connection:
        for table in (requests, trail):
            for row in connection.execute(sa.select(table)).mappings():
                assert not any("203.0.113" in str(v) for v in row.values())
    assert stored(app, first)["site"] == "kppay"


# --- The owner's inbox ----------------------------------------------------------------------

def test_an_overdue_request_is_marked_in_words_and_listed_first(app):
    from server.rights import requests

    engine = app.extensions["consent_engine"]
    now = datetime.now(UTC)
    late = requests.file(engine, "kppay", 45, "access", None, "late@example.tg", "",
                         "fr", now=now - timedelta(days=50))
    fresh = file(app.test_client())
    inbox = owner(app).get("/admin/kppay/rights", headers={"Accept-Language": "en"})
    assert inbox.text.index(late.reference) < inbox.text.index(fresh)
    line = re.search(rf"<tr>((?:(?!</tr>).)*{late.reference}.*?)</tr>", inbox.text,
                     re.S).group(1)
    assert 'class="overdue"' in line and "Overdue by 5 days" in line
    french = owner(app).get("/admin/kppay/rights", headers={"Accept-Language": "fr"})
    assert "En retard de 5 jours" in french.text
    page = owner(app).get(f"/admin/kppay/rights/{late.reference}",
                          headers={"Accept-Language": "en"})
    assert "Overdue by 5 days" in page.text and "late@example.tg" in page.text


def test_every_step_is_kept_in_the_trail_and_erasure_uses_the_apis(app):
    from server import store

    engine = app.extensions["consent_engine"]
    consent_id = uuid.uuid4().hex
    sent = [event(consent_id=consent_id) for _ in range(2)]
    for body in sent:
        assert post(app.test_client(), body).status_code == 201
    reference = file(app.test_client(), kind="erasure", consent_id=consent_id)
    client = owner(app)
    path = f"/admin/kppay/rights/{reference}"
    page = client.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and consent_id in page.text
    assert page.text.count("<tr><td>") == 2 and "Erase these records" in page.text
    csrf = token(client, path)
    assert client.post(f"{path}/note", data={"csrf_token": csrf, "text": ""}).status_code == 400
    assert client.post(f"{path}/note", data={"csrf_token": csrf,
                                             "text": "Identity checked"}).status_code == 303
    assert client.post(f"{path}/erase", data={"csrf_token": csrf}).status_code == 303
    assert store.history(engine, consent_id) == []
    # The API's erasure: a queued copy of an erased event sent again is refused.
    assert post(app.test_client(), sent[0]).status_code == 410
    assert client.post(f"{path}/answer", data={"csrf_token": csrf,
                                               "outcome": "done"}).status_code == 303
    assert steps(app, reference) == [("received", None), ("note", "Identity checked"),
                                     ("erased", "2"), ("done", None)]
    page = client.get(path, headers={"Accept-Language": "en"})
    assert "Answered: done" in page.text and "2 records erased" in page.text
    assert page.text.count(KPPAY_OWNER) >= 3  # who took each step
    assert reference not in client.get("/admin/kppay/rights").text
    # Answered: nothing more is added.
    late = client.post(f"{path}/note", data={"csrf_token": csrf, "text": "more"})
    assert late.status_code == 409 and len(steps(app, reference)) == 4


def test_the_trail_cannot_be_changed_nor_deleted_by_the_database(app):
    from server.rights.tables import trail

    reference = file(app.test_client())
    request_id = stored(app, reference)["id"]
    engine = app.extensions["consent_engine"]
    for statement in (trail.update().where(trail.c.request_id == request_id)
                      .values(step="done"),
                      trail.delete().where(trail.c.request_id == request_id)):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(statement)
    assert steps(app, reference) == [("received", None)]
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(sa.text("TRUNCATE rights_trail CASCADE"))


def test_a_request_has_one_answer_in_the_database_itself(app):
    from server.rights.tables import trail

    reference = file(app.test_client())
    request_id = stored(app, reference)["id"]
    engine = app.extensions["consent_engine"]
    with engine.begin() as connection:
        connection.execute(trail.insert().values(request_id=request_id, step="done",
                                                 at=datetime.now(UTC), actor="a@kppay.tg"))
    # A second owner's answer, written at the same moment past the page's check.
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            connection.execute(trail.insert().values(request_id=request_id, step="refused",
                                                     at=datetime.now(UTC), actor="b@kppay.tg",
                                                     text="no"))
    assert steps(app, reference) == [("received", None), ("done", None)]


def test_records_are_erased_with_their_trail_step_or_not_at_all(app, monkeypatch):
    """Another owner answers the request between the erase button's checks and its
    transaction: nothing is erased, and the page says the request is answered."""
    from server import store
    from server.rights import requests as rights

    consent_id = uuid.uuid4().hex
    assert post(app.test_client(), event(consent_id=consent_id)).status_code == 201
    reference = file(app.test_client(), kind="erasure", consent_id=consent_id)
    client = owner(app)
    path = f"/admin/kppay/rights/{reference}"
    csrf = token(client, path)
    engine = app.extensions["consent_engine"]
    looked_up = store.sites_of

    def answered_meanwhile(*args):
        found = rights.get(engine, "kppay", reference)
        with engine.begin() as connection:
            rights.add_step(connection, found, "done", "other@kppay.tg")
        return looked_up(*args)

    monkeypatch.setattr(store, "sites_of", answered_meanwhile)
    erased = client.post(f"{path}/erase", data={"csrf_token": csrf},
                         headers={"Accept-Language": "en"})
    assert erased.status_code == 409 and "already answered" in erased.text
    assert len(store.history(engine, consent_id)) == 1
    assert steps(app, reference) == [("received", None), ("done", None)]


def test_a_refusal_needs_its_reason(app):
    reference = file(app.test_client(), kind="rectification")
    client = owner(app)
    path = f"/admin/kppay/rights/{reference}"
    csrf = token(client, path)
    bare = client.post(f"{path}/answer", data={"csrf_token": csrf, "outcome": "refused"},
                       headers={"Accept-Language": "en"})
    assert bare.status_code == 400 and "A refusal needs its reason" in bare.text
    assert re.search(r'<textarea id="reason"[^>]*aria-describedby="reason-error"', bare.text)
    assert client.post(f"{path}/answer", data={"csrf_token": csrf, "outcome": "maybe"}) \
        .status_code == 400
    assert steps(app, reference) == [("received", None)]
    assert client.post(f"{path}/answer", data={
        "csrf_token": csrf, "outcome": "refused",
        "reason": "No record under this reference"}).status_code == 303
    assert steps(app, reference)[-1] == ("refused", "No record under this reference")


def test_erasure_is_refused_where_the_site_keeps_its_records(make):
    from server import store

    app = make(CONSENT_ERASURE_KPPAY="0")
    consent_id = uuid.uuid4().hex
    assert post(app.test_client(), event(consent_id=consent_id)).status_code == 201
    reference = file(app.test_client(), kind="erasure", consent_id=consent_id)
    client = owner(app)
    path = f"/admin/kppay/rights/{reference}"
    refused = client.post(f"{path}/erase", data={"csrf_token": token(client, path)},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and "cannot be erased on request" in refused.text
    assert len(store.history(app.extensions["consent_engine"], consent_id)) == 1
    assert steps(app, reference) == [("received", None)]
    # Only erasure requests erase.
    other = file(app.test_client(), kind="access", consent_id=consent_id)
    wrong = client.post(f"/admin/kppay/rights/{other}/erase",
                        data={"csrf_token": token(client, path)})
    assert wrong.status_code == 400


def test_another_sites_owner_cannot_see_nor_touch_a_request(app):
    reference = file(app.test_client())
    other = owner(app, BOUTIQUE_OWNER)
    assert other.get("/admin/kppay/rights").status_code == 404
    assert other.get(f"/admin/kppay/rights/{reference}").status_code == 404
    assert other.get(f"/admin/boutique/rights/{reference}").status_code == 404
    csrf = token(other, "/admin/boutique/rights")
    for action, data in (("note", {"text": "x"}), ("answer", {"outcome": "done"}),
                         ("erase", {})):
        assert other.post(f"/admin/boutique/rights/{reference}/{action}",
                          data={"csrf_token": csrf, **data}).status_code == 404
    assert reference not in other.get("/admin/boutique/rights").text
    assert steps(app, reference) == [("received", None)]
    # Without a session: the login page, never the request.
    assert app.test_client().get(f"/admin/kppay/rights/{reference}").status_code == 302


def test_the_inbox_forms_need_their_csrf_token(app):
    reference = file(app.test_client())
    client = owner(app)
    refused = client.post(f"/admin/kppay/rights/{reference}/note", data={"text": "x"})
    assert refused.status_code == 400
    assert steps(app, reference) == [("received", None)]
