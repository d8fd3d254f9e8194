"""The owner's console through Flask's test client, on SQLite and PostgreSQL: accounts and
their command, sessions, CSRF, one owner's sites only, roll-ups that agree with the events,
refused origins counted, receipts checked, exports. The browser flows: test_console_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from .server_helpers import CATEGORIES, event, post, write_rows

PASSWORD = "correct horse battery staple"
EMAIL = "dpo@kppay.tg"
SITE_PAGES = ("/", "/records", "/records?consent_id=" + "a" * 32,
              "/records/export?from=2026-01-01&to=2026-01-02", "/install", "/health", "/accounts")


@pytest.fixture(scope="module")
def two_sites(dist_dir, tmp_path_factory):
    """KPpay's build and a second site, "boutique", built from the same bundle."""
    out = tmp_path_factory.mktemp("dist2")
    shutil.copytree(dist_dir / "kppay", out / "kppay")
    shutil.copytree(dist_dir / "kppay", out / "boutique")
    manifest = json.loads((out / "boutique" / "manifest.json").read_text())
    manifest.update(site="boutique", name="Boutique")
    (out / "boutique" / "manifest.json").write_text(json.dumps(manifest))
    return out


@pytest.fixture
def console(make_app, two_sites):
    from server.console import accounts

    app = make_app(CONSENT_DIST_DIR=str(two_sites),
                   CONSENT_ORIGINS_KPPAY="https://www.kppay.tg")
    engine = app.extensions["consent_engine"]
    with engine.begin() as connection:
        from server.console.tables import metadata

        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
        from server.tables import events

        connection.execute(events.delete())
    accounts.add(engine, EMAIL, PASSWORD, ["kppay"])
    return app


def token(client, path="/admin/login") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client, email=EMAIL, password=PASSWORD):
    return client.post("/admin/login", data={"email": email, "password": password,
                                             "csrf_token": token(client)})


def insert(app, moments, action="custom", site="kppay", language="fr", gpc=False,
           granted=("essential", "performance"), receipt=None,
           signature=None) -> list[dict]:
    """Rows as the POST writes them (receipt and signature included), at chosen server
    times."""
    from server import ledger
    from server.contract import receipt as sign

    key = app.extensions["consent_keys"]["receipt"]
    batch = []
    for moment in moments:
        row = {"event_id": uuid.uuid4().hex, "consent_id": uuid.uuid4().hex, "site": site,
               "revision": 1, "choices": {c: c in granted for c in CATEGORIES},
               "action": action, "language": language, "page_url": "https://www.kppay.tg/",
               "user_agent": "test", "ip_pseudonym": "0" * 32, "gpc": gpc,
               "client_time": None, "server_time": moment}
        row["receipt"] = receipt or sign(row, key)
        row["signature"] = signature or app.extensions["consent_signing"].sign(
            ledger.payload(row))
        batch.append(row)
    write_rows(app.extensions["consent_engine"], batch)
    return batch


# --- Accounts -----------------------------------------------------------------------------

def test_owners_command_asks_the_password_twice_and_never_shows_it(console):
    runner = console.test_cli_runner()
    result = runner.invoke(args=["owners", "add", "Legal@Boutique.example", "--site", "boutique"],
                           input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    listed = runner.invoke(args=["owners", "list"]).output
    assert "legal@boutique.example\tboutique" in listed
    mismatch = runner.invoke(args=["owners", "add", "x@boutique.example", "--site", "boutique"],
                             input="a long enough secret\nanother one entirely\n" * 1)
    assert mismatch.exit_code != 0
    short = runner.invoke(args=["owners", "add", "y@boutique.example", "--site", "boutique"],
                          input="short\nshort\n")
    assert "at least 12 characters" in short.output and short.exit_code == 1
    unknown = runner.invoke(args=["owners", "add", "z@x.example", "--site", "nowhere"])
    assert "no built site 'nowhere'" in unknown.output and unknown.exit_code == 2
    assert runner.invoke(args=["owners", "remove", "legal@boutique.example"]).exit_code == 0
    assert "legal@boutique.example" not in runner.invoke(args=["owners", "list"]).output


def test_the_password_is_stored_as_a_scrypt_hash(console):
    from server.console.tables import owners

    with console.extensions["consent_engine"].connect() as connection:
        stored = connection.execute(owners.select()).mappings().one()
    assert stored["password_hash"].startswith("scrypt:")
    assert PASSWORD not in stored["password_hash"]


# --- Sessions, CSRF, access ------------------------------------------------------------------

@pytest.mark.parametrize("page", ["/admin/"] + [f"/admin/kppay{p}" for p in SITE_PAGES])
def test_logged_out_every_console_url_redirects_to_the_login(console, page):
    response = console.test_client().get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_login_sets_a_strict_http_only_cookie_for_the_console_only(console):
    client = console.test_client()
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie
    assert client.get("/admin/").headers["Location"] == "/admin/kppay/"
    # The consent endpoint still sets no cookie.
    assert "Set-Cookie" not in post(client, event()).headers
    secure = console.test_client()
    response = secure.post("/admin/login", base_url="https://console.example",
                           data={"email": EMAIL, "password": PASSWORD,
                                 "csrf_token": token(secure, "https://console.example/admin/login")})
    assert "; Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_rate_limited_attempts(console):
    client = console.test_client()
    wrong = client.post("/admin/login", data={"email": EMAIL, "password": "nope nope nope",
                                              "csrf_token": token(client)})
    assert wrong.status_code == 400 and "Wrong e-mail address or password" in wrong.text \
        or "Adresse e-mail ou mot de passe incorrect" in wrong.text
    statuses = [client.post("/admin/login", data={"email": EMAIL, "password": "x" * 12,
                                                  "csrf_token": token(client)}).status_code
                for _ in range(10)]
    assert statuses[-1] == 429 and statuses[:9] == [400] * 9
    # Even the right password waits now.
    assert login(client).status_code == 429


def test_forms_without_their_csrf_token_are_refused(console):
    client = console.test_client()
    refused = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 400 and "This form has expired" in refused.text
    assert client.get("/admin/").status_code == 302
    login(client)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/kppay/").status_code == 200
    forged = client.post("/admin/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/admin/kppay/").status_code == 200


def test_logout_ends_the_session_even_for_a_copied_cookie(console):
    client = console.test_client()
    login(client)
    stolen = client.get_cookie("console_session", path="/admin").value
    assert client.post("/admin/logout", data={"csrf_token": token(client, "/admin/kppay/")}
                       ).status_code == 302
    other = console.test_client()
    other.set_cookie("console_session", stolen, path="/admin")
    assert other.get("/admin/kppay/").status_code == 302


@pytest.mark.parametrize("page", SITE_PAGES)
def test_another_sites_pages_are_not_found(console, page):
    client = console.test_client()
    login(client)
    insert(console, [datetime.now(UTC)], site="boutique")
    for site in ("boutique", "nosuchsite"):
        response = client.get(f"/admin/{site}{page}")
        assert response.status_code == 404, (site, page)
        assert "Boutique" not in response.text
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_a_consent_id_of_another_site_shows_nothing(console):
    client = console.test_client()
    login(client)
    other = insert(console, [datetime.now(UTC)], site="boutique")[0]
    page = client.get(f"/admin/kppay/records?consent_id={other['consent_id']}")
    assert other["event_id"] not in page.text and 'id="no-results"' in page.text


# --- Figures ---------------------------------------------------------------------------------

def test_roll_ups_agree_with_the_events_and_never_count_twice(console):
    from server.console import rollup

    engine = console.extensions["consent_engine"]
    now = datetime.now(UTC)
    moments = [now - timedelta(hours=5 * i, minutes=i) for i in range(60)]
    insert(console, moments[::2], action="accept_all", granted=CATEGORIES, language="en")
    insert(console, moments[1::2], action="refuse_all", granted=("essential",), gpc=True)
    insert(console, moments[:5], site="boutique")
    first, last = (now - timedelta(days=14)).date(), now.date()
    live = rollup.figures(engine, "kppay", first, last, list(CATEGORIES))
    assert live.events == 60 and live.tail == 60
    # Two runs at once (cron and a dashboard): each event is counted once.
    threads = [threading.Thread(target=rollup.advance, args=(engine,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rollup.advance(engine)
    rolled = rollup.figures(engine, "kppay", first, last, list(CATEGORIES))
    assert rolled.tail < 5  # only the events younger than SETTLE are still read live
    assert (rolled.totals, rolled.languages, rolled.gpc, rolled.revisions) == \
           (live.totals, live.languages, live.gpc, live.revisions)
    assert rolled.decided == live.decided and rolled.granted == live.granted
    assert rolled.totals == {"accept_all": 30, "refuse_all": 30}
    assert rolled.category_rate("performance") == 0.5
    # A new event after the mark is seen at once, without a roll-up.
    insert(console, [now + timedelta(seconds=1)], action="withdraw", granted=("essential",))
    assert rollup.figures(engine, "kppay", first, last, list(CATEGORIES)).totals["withdraw"] == 1


def test_the_rollup_command_says_what_it_did(console):
    insert(console, [datetime.now(UTC) - timedelta(days=3)] * 4)
    result = console.test_cli_runner().invoke(args=["consents", "rollup"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("rolled up 4 events; roll-ups complete up to ")
    again = console.test_cli_runner().invoke(args=["consents", "rollup"])
    assert again.output.startswith("rolled up 0 events")


def test_dashboard_shows_the_totals_and_refuses_bad_dates(console):
    client = console.test_client()
    login(client)
    today = datetime.now(UTC)
    insert(console, [today - timedelta(days=2)] * 3, action="accept_all", granted=CATEGORIES)
    insert(console, [today] * 2, action="refuse_all", granted=("essential",))
    page = client.get("/admin/kppay/", headers={"Accept-Language": "en"}).text
    assert '<dd data-value="5">5' in page
    assert 'data-series="accept_all" data-value="3"' in page
    assert '<dd data-category="performance">60.0%</dd>' in page
    bad = client.get("/admin/kppay/?from=yesterday")
    assert bad.status_code == 400 and "yesterday" in bad.text
    assert client.get("/admin/kppay/?from=2026-02-01&to=2026-01-01").status_code == 400


# --- Records, exports, refused origins --------------------------------------------------------

def test_records_check_each_receipt_against_the_stored_row(console):
    client = console.test_client()
    login(client)
    genuine = post(client, event()).get_json()
    page = client.get(f"/admin/kppay/records?consent_id={genuine['consent_id']}",
                      headers={"Accept-Language": "en"}).text
    assert genuine["event_id"] in page and "receipt verified" in page
    forged = insert(console, [datetime.now(UTC)], receipt="0" * 64)[0]
    page = client.get(f"/admin/kppay/records?consent_id={forged['consent_id']}",
                      headers={"Accept-Language": "en"}).text
    assert "receipt does not match the record" in page and "receipt verified" not in page
    # The right keyed hash, but the signed receipt of another event.
    other = insert(console, [datetime.now(UTC)], signature=forged["signature"])[0]
    page = client.get(f"/admin/kppay/records?consent_id={other['consent_id']}",
                      headers={"Accept-Language": "en"}).text
    assert "receipt does not match the record" in page and "receipt verified" not in page
    listed = client.get(f"/admin/kppay/records?from={date.today()}&to={date.today()}",
                        headers={"Accept-Language": "en"}).text
    assert listed.count("receipt verified") == 1 and listed.count("does not match") == 2
    bad = client.get("/admin/kppay/records?consent_id=not-an-id")
    assert bad.status_code == 400


def test_exports_stream_the_sites_events_only(console):
    client = console.test_client()
    login(client)
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    mine = insert(console, [day, day + timedelta(hours=1)])
    insert(console, [day], site="boutique")
    response = client.get("/admin/kppay/records/export?from=2026-03-10&to=2026-03-10")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="consents-kppay-2026-03-10-2026-03-10.csv"')
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 3 and all(r["event_id"] in response.get_data(as_text=True)
                                   for r in mine)
    jsonl = client.get("/admin/kppay/records/export?from=2026-03-10&to=2026-03-10&format=jsonl")
    assert [json.loads(line)["site"] for line in jsonl.get_data(as_text=True).splitlines()] \
        == ["kppay", "kppay"]


def test_refused_origins_are_counted_per_hour_without_addresses(console):
    client = console.test_client()
    login(client)
    for origin in ["https://shop.kppay.tg"] * 3 + ["https://kppay.example", "not an origin"]:
        response = post(client, event(), Origin=origin,
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert response.status_code == 403
    page = client.get("/admin/kppay/health", headers={"Accept-Language": "en"}).text
    rows = re.findall(r"<td><code>([^<]+)</code></td><td data-value=\"(\d+)\"", page)
    assert rows == [("https://shop.kppay.tg", "3"), ("(malformed origin)", "1"),
                    ("https://kppay.example", "1")]
    assert "CONSENT_ORIGINS_KPPAY" in page and "203.0.113" not in page
    from server.console.tables import refused_origins

    with console.extensions["consent_engine"].connect() as connection:
        stored = json.dumps([list(map(str, r)) for r in connection.execute(
            refused_origins.select())])
    assert "203.0.113" not in stored


def test_every_console_page_carries_a_strict_csp(console):
    client = console.test_client()
    assert "frame-ancestors 'none'" in client.get("/admin/login").headers[
        "Content-Security-Policy"]
    login(client)
    for page in SITE_PAGES:
        policy = client.get(f"/admin/kppay{page}").headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy


# --- Catalogs -------------------------------------------------------------------------------

def test_console_catalogs_are_complete_and_match_the_sources(tmp_path):
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    from .conftest import ROOT

    fresh = tmp_path / "console.pot"
    CommandLineInterface().run(["pybabel", "--quiet", "extract", "-F",
                                str(ROOT / "server/console/babel.cfg"), "--no-location",
                                "-o", str(fresh), str(ROOT)])
    with fresh.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "translations/console.pot").open("rb") as handle:
        assert {m.id for m in read_po(handle) if m.id} == extracted, \
            "translations/console.pot is stale: see translations/README.md (console)"
    for lang in ("fr", "en"):
        with (ROOT / f"translations/{lang}/LC_MESSAGES/console.po").open("rb") as handle:
            catalog = read_po(handle)
        entries = {m.id: m for m in catalog if m.id}
        assert set(entries) == extracted, lang
        assert [m.id for m in entries.values() if m.fuzzy or not all(
            m.string if isinstance(m.string, tuple) else (m.string,))] == [], lang


def test_the_install_page_gives_each_language_its_tag(console):
    client = console.test_client()
    login(client)
    page = client.get("/admin/kppay/install", headers={"Accept-Language": "fr"}).text
    folder = Path(console.config["CONSENT_DIST_DIR"]) / "kppay"
    manifest = json.loads((folder / "manifest.json").read_text())
    english = manifest["files"]["consent-en.js"]
    # The default language's tag, then English pages' own, each with its SRI.
    assert page.index(manifest["files"]["consent.js"]["file"]) < page.index(english["file"])
    assert english["integrity"] in page and "Pages en anglais" in page
    assert 'id="tag-fr"' not in page
