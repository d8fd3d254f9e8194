"""First-party mode (issue 15): where the page and the consent endpoint share an origin (the site
proxies a path to our server, or the server serves the page), the endpoint's 201 sends the
consent cookie back as an HTTP cookie with the site's lifetime, which Safari and Brave keep
(they cap cookies written by script at 7 days); cross-origin, the widget's own cookie is all
there is. Server-level checks with the Flask test client, then Chromium against real servers."""

from __future__ import annotations

import json
import threading
from urllib.parse import quote, unquote

import pytest
from werkzeug.http import parse_cookie

from .server_helpers import ENDPOINT, event

LIFETIME_S = 180 * 86400  # sites/kppay.toml: lifetime_days = 180
SAFARI_CAP_S = 7 * 86400
# Origins allowed to send KPpay's consents besides the server's own (CONSENT_ORIGINS_KPPAY).
OTHER_ORIGINS = ("https://shop.example", "http://localhost:8001", "http://localhost")


def written(body: dict, **changes) -> str:
    """The cookie the widget writes for this event's choice:
    encodeURIComponent(JSON.stringify({consent_id, revision, client_time, choices}))."""
    return quote(json.dumps({**choice_of(body), **changes}, separators=(",", ":")), safe="")


@pytest.fixture(scope="module")
def api(dist_dir, tmp_path_factory):
    """The production app on SQLite, behind one trusted proxy, with other allowed origins."""
    from server import create_app

    tmp = tmp_path_factory.mktemp("first-party")
    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp), "CONSENT_AUTO_MIGRATE": True,
                      "DATABASE_URL": f"sqlite:///{tmp}/consents.sqlite3",
                      "CONSENT_PROXIES": 1, "CONSENT_ORIGINS_KPPAY": " ".join(OTHER_ORIGINS)})
    yield app
    app.extensions["consent_engine"].dispose()


def send(api, body: dict, cookie: str | None, origin: str | None = "http://localhost",
         base_url: str = "http://localhost", **headers):
    """POST the event as the widget does, with this Cookie header (no cookie jar)."""
    client = api.test_client(use_cookies=False)
    if cookie is not None:
        headers["Cookie"] = cookie
    if origin is not None:
        headers["Origin"] = origin
    return client.post(ENDPOINT, data=json.dumps(body), content_type="text/plain;charset=UTF-8",
                       headers=headers, base_url=base_url)


def attributes(set_cookie: str) -> list[str]:
    """A Set-Cookie's parts, less Expires (Max-Age rules where both are given)."""
    return [part for part in set_cookie.split("; ") if not part.startswith("Expires=")]


@pytest.mark.parametrize(("base_url", "origin", "headers", "where"), [
    # The page on the server's own origin (the demo), a browser sending Sec-Fetch-Site.
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000", {"Sec-Fetch-Site": "same-origin"}, []),
    # www.kppay.tg over https: on the site's cookie_domain, Secure.
    ("https://www.kppay.tg", "https://www.kppay.tg", {}, ["Domain=kppay.tg", "Secure"]),
    # Through the site's proxy: Host kept, the scheme from X-Forwarded-Proto (CONSENT_PROXIES).
    ("http://www.kppay.tg", "https://www.kppay.tg",
     {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
      "Sec-Fetch-Site": "same-origin"}, ["Domain=kppay.tg", "Secure"]),
    # A host outside cookie_domain (a preview): the cookie stays the host's, as the widget's.
    ("http://preview.example", "http://preview.example", {}, []),
], ids=["own-origin", "https-domain", "proxied", "other-host"])
def test_a_same_origin_consent_gets_its_own_cookie_back_for_the_sites_lifetime(
        api, base_url, origin, headers, where):
    body = event()
    value = written(body)
    cookie = f"consent_banner={value}"
    answer = send(api, body, cookie, origin, base_url, **headers)
    assert answer.status_code == 201
    (set_cookie,) = answer.headers.getlist("Set-Cookie")
    assert set_cookie.startswith(f"consent_banner={value}; ")  # byte for byte
    assert sorted(attributes(set_cookie)[1:]) == sorted(
        [f"Max-Age={LIFETIME_S}", "Path=/", "SameSite=Lax", *where])
    # A replay of the same event (a retry whose answer was lost) gets it too.
    again = send(api, body, cookie, origin, base_url, **headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [attributes(c) for c in again.headers.getlist("Set-Cookie")] == [
        attributes(set_cookie)]


def test_an_older_event_never_undoes_a_newer_choice(api):
    """Queued events are sent in parallel and answered in any order: the one whose choice the
    browser no longer holds is recorded, and its cookie is not sent back."""
    older = event(action="accept_all", client_time="2026-11-25T08:30:00.000Z")
    newer = event(consent_id=older["consent_id"], action="refuse_all",
                  client_time="2026-11-25T08:31:00.000Z",
                  choices={**older["choices"], **dict.fromkeys(
                      ["performance", "functionality", "targeting", "social"], False)})
    holding_newer = f"consent_banner={written(newer)}"
    late = send(api, older, holding_newer)
    assert late.status_code == 201 and "Set-Cookie" not in late.headers
    assert send(api, newer, holding_newer).headers["Set-Cookie"].startswith(holding_newer)
    # The same time but other choices, or another visitor's id: not this event's choice.
    for other in (written(older, choices=newer["choices"]),
                  written(older, consent_id="f" * 32), written(older, revision=2)):
        answer = send(api, older, f"consent_banner={other}")
        assert answer.status_code == 201 and "Set-Cookie" not in answer.headers


def test_of_two_cookies_of_that_name_the_one_of_this_event_comes_back(api):
    body = event()
    stale = written(event(consent_id=body["consent_id"], client_time="2026-01-01T00:00:00.000Z"))
    answer = send(api, body, f"consent_banner={stale}; consent_banner={written(body)}")
    assert answer.headers["Set-Cookie"].startswith(f"consent_banner={written(body)};")


@pytest.mark.parametrize(("origin", "headers"), [
    ("https://shop.example", {"Sec-Fetch-Site": "cross-site"}),  # an allowed other origin
    ("http://localhost", {"Sec-Fetch-Site": "cross-site"}),  # the headers disagree
    ("http://localhost:8001", {"Sec-Fetch-Site": "same-site"}),  # another port
    ("http://localhost", {"X-Forwarded-Proto": "https"}),  # the page on http, we on https
    (None, {}),  # no Origin: no browser said where it came from
], ids=["cross-site", "disagreeing", "same-site", "scheme", "no-origin"])
def test_a_request_from_another_origin_gets_no_cookie(api, origin, headers):
    body = event()
    answer = send(api, body, f"consent_banner={written(body)}", origin, **headers)
    assert answer.status_code == 201
    assert "Set-Cookie" not in answer.headers


def choice_of(body: dict) -> dict:
    return {key: body[key] for key in ("consent_id", "revision", "client_time", "choices")}


GARBLED = {
    "empty": lambda body: "consent_banner=",
    "percent": lambda body: "consent_banner=%",
    "bad-utf8": lambda body: "consent_banner=%E0%A4%A",
    "null": lambda body: "consent_banner=null",
    "deep": lambda body: "consent_banner=" + "%5B" * 1300,  # past Python's JSON parser
    "long": lambda body: "consent_banner=" + "a" * 3900,
    "quoted": lambda body: 'consent_banner="quoted"',
    "no-name": lambda body: "=;;consent_banner",
    # This event's choice, but not URI-encoded as the widget writes it: not sent back as is.
    "raw-json": lambda body: "consent_banner=" + json.dumps(choice_of(body), separators=(",", ":")),
    "revision-true": lambda body: f"consent_banner={written(body, revision=True)}",
    "choices-ones": lambda body: "consent_banner=" + written(
        body, choices={k: int(v) for k, v in body["choices"].items()}),
    "others-only": lambda body: "session=abc; other=" + written(body),
}


@pytest.mark.parametrize("make", GARBLED.values(), ids=GARBLED.keys())
def test_a_forged_or_garbled_cookie_gets_none_and_the_consent_is_recorded(api, make):
    body = event()
    answer = send(api, body, make(body))
    assert answer.status_code == 201
    assert "Set-Cookie" not in answer.headers


# --- In Chromium, against real servers on 127.0.0.1 -----------------------------------------

# Safari's rule, played in Chromium before any script of the page: a cookie written by script
# lives 7 days at most. A longer cookie can then only come from an HTTP answer.
SAFARI_CAP = f"""(() => {{
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(Document.prototype, "cookie", {{configurable: true, get: cookie.get,
    set(value) {{ cookie.set.call(this, value.replace(/;max-age=(\\d+)/i,
      (_, seconds) => ";Max-Age=" + Math.min(+seconds, {SAFARI_CAP_S}))); }}}});
}})();"""
SITE_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>KPpay</title>
<script src="{src}" integrity="{integrity}" crossorigin="anonymous" async></script></head>
<body><main><h1>KPpay</h1></main></body></html>"""
PROXIED = "/consent"  # the path the site proxies to our server, as the README shows
BANNER = "document.querySelector('[data-consent-banner]')"


class Answers:
    """WSGI middleware that notes each consent POST's status and Set-Cookie headers, and the
    name of every cookie that reached our server."""

    def __init__(self, app):
        self.app, self.seen, self.cookies = app, [], set()

    def __call__(self, environ, start_response):
        self.cookies.update(parse_cookie(environ.get("HTTP_COOKIE", "")))
        def noted(status, headers, *rest):
            if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == ENDPOINT:
                self.seen.append((int(status[:3]),
                                  [v for k, v in headers if k.lower() == "set-cookie"]))
            return start_response(status, headers, *rest)
        return self.app(environ, noted)


@pytest.fixture(scope="module")
def live(dist_dir, tmp_path_factory):
    """A site on one port that proxies /consent/ to our server on another (werkzeug's proxy,
    with the headers and the Cookie line of the README's nginx block); our server serves the
    demo too. Chromium plays Safari's cap on cookies written by script."""
    from flask import Flask, Response
    from werkzeug.middleware.http_proxy import ProxyMiddleware
    from werkzeug.serving import make_server

    from consent_dev import create_app

    from .conftest import LiveServer, chromium

    tmp = tmp_path_factory.mktemp("first-party-live")
    script = json.loads((dist_dir / "kppay" / "manifest.json").read_text())["files"]["consent.js"]
    site, routes = Flask("site"), {}
    site_http = make_server("127.0.0.1", 0, lambda e, s: routes["app"](e, s), threaded=True)
    site_url = f"http://127.0.0.1:{site_http.server_port}"
    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_INSTANCE_PATH": str(tmp), "CONSENT_AUTO_MIGRATE": True,
                      "DATABASE_URL": f"sqlite:///{tmp}/consents.sqlite3",
                      "CONSENT_PROXIES": 1, "CONSENT_ORIGINS_KPPAY": site_url})
    answers = app.wsgi_app = Answers(app.wsgi_app)
    server = LiveServer(app)

    @site.get("/")
    def proxied_page():  # first-party mode: the script through the site's own path
        page = Response(SITE_PAGE.format(src=f"{PROXIED}/c/kppay/{script['file']}",
                                         integrity=script["integrity"]), mimetype="text/html")
        page.set_cookie("site_session", "the site's own login")  # must not reach our server
        return page

    @site.get("/direct")
    def direct_page():  # the script (and so the endpoint) on our server's origin
        return SITE_PAGE.format(src=f"{server.url}/c/kppay/{script['file']}",
                                integrity=script["integrity"])

    @site.get("/blank")
    def blank():
        return "<!doctype html><title>blank</title>"

    proxy = ProxyMiddleware(site.wsgi_app, {f"{PROXIED}/": {
        "target": server.url + "/", "remove_prefix": True,
        "headers": {"X-Forwarded-Host": site_url.removeprefix("http://"),
                    "X-Forwarded-Proto": "http", "X-Forwarded-Prefix": PROXIED}}})

    def only_our_cookies(environ, start_response):
        # The README's `proxy_set_header Cookie` line: the consent server's cookies alone.
        if environ["PATH_INFO"].startswith(f"{PROXIED}/"):
            jar = parse_cookie(environ.get("HTTP_COOKIE", ""))
            environ["HTTP_COOKIE"] = "; ".join(
                f"{name}={jar.get(name, '')}" for name in ("consent_banner", "rights_session"))
        return proxy(environ, start_response)

    routes["app"] = only_our_cookies
    threading.Thread(target=site_http.serve_forever, daemon=True).start()
    try:
        with chromium("consent-first-party-") as browser:
            browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": SAFARI_CAP})
            yield {"browser": browser, "site": site_url, "server": server.url,
                   "answers": answers.seen, "cookies": answers.cookies}
    finally:
        site_http.shutdown()
        server.stop()
        app.extensions["consent_engine"].dispose()


def forget(live) -> None:
    """A visitor who never came: no cookie, no queued event, no answer seen."""
    browser = live["browser"]
    browser.get("about:blank")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    for origin in (live["site"], live["server"]):
        browser.execute_cdp_cmd("Storage.clearDataForOrigin",
                                {"origin": origin, "storageTypes": "local_storage"})
    live["answers"].clear()


def choose(live, url: str) -> dict:
    """Open `url`, refuse all in the banner, wait for the server's answer; the choice."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser = live["browser"]
    forget(live)
    browser.get(url)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        f"const h = {BANNER}; return h && h.shadowRoot.querySelector('[role=region]')"))
    browser.execute_script("ConsentBanner.refuseAll()")
    WebDriverWait(browser, 10).until(lambda b: live["answers"] and not b.execute_script(
        "return localStorage.getItem('consent_banner_queue')"))
    return browser.execute_script("return ConsentBanner.get()")


def consent_cookies(live) -> list[dict]:
    """The consent cookies in the browser, as DevTools lists them (expiry included)."""
    found = live["browser"].execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return [c for c in found if c["name"] == "consent_banner"]


def shown_again(live, url: str) -> tuple[bool, str]:
    """Reload `url`: whether the first layer asks again, and the consent id the widget read."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser = live["browser"]
    browser.get(url)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        "return window.ConsentBanner && document.querySelector('[data-consent-banner]')"))
    return browser.execute_script(f"""const r = {BANNER}.shadowRoot;
        return [!!r.querySelector('[role=region]'), (ConsentBanner.get() || {{}}).consent_id]""")


@pytest.mark.parametrize("where", ["proxied", "demo"])
def test_in_first_party_mode_the_cookie_comes_from_the_answer_with_the_sites_lifetime(
        live, where):
    import time

    url = live["site"] + "/" if where == "proxied" else live["server"] + "/"
    choice = choose(live, url)
    ((status, set_cookies),) = live["answers"]
    assert status == 201 and len(set_cookies) == 1
    (cookie,) = consent_cookies(live)  # the answer's replaced the script's: one cookie
    assert json.loads(unquote(cookie["value"])) == choice
    # Past Safari's 7 days: set by the HTTP answer, for the site's 180 days.
    assert abs(cookie["expires"] - time.time() - LIFETIME_S) < 300
    assert cookie["path"] == "/" and cookie["sameSite"] == "Lax"
    assert shown_again(live, url) == [False, choice["consent_id"]]
    assert "site_session" not in live["cookies"]


def test_cross_origin_the_widgets_own_cookie_still_holds_the_choice(live):
    """Without the proxy: no Set-Cookie (the browser would not take it anyway), and the
    cookie the widget wrote works as before, for what Safari grants it."""
    import time

    choice = choose(live, live["site"] + "/direct")
    assert live["answers"] == [(201, [])]
    (cookie,) = consent_cookies(live)
    assert abs(cookie["expires"] - time.time() - SAFARI_CAP_S) < 300
    assert shown_again(live, live["site"] + "/direct") == [False, choice["consent_id"]]


def test_a_choice_sent_by_beacon_as_the_page_is_left_gets_its_cookie_too(live):
    """The widget's other path: an event still waiting when the visitor leaves goes by
    sendBeacon, whose answer's Set-Cookie the browser keeps as well."""
    import time

    from selenium.webdriver.support.ui import WebDriverWait

    browser = live["browser"]
    forget(live)
    browser.get(live["site"] + "/")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return window.ConsentBanner"))
    # Offline for fetch: the event waits in the queue for its retry.
    browser.execute_script("window.fetch = () => Promise.reject(new TypeError('offline'));"
                           "ConsentBanner.acceptAll()")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        "const q = JSON.parse(localStorage.getItem('consent_banner_queue') || '[]');"
        "return q.length && q[0].n == 1"))
    assert live["answers"] == []
    browser.get(live["site"] + "/blank")  # pagehide: the beacon
    WebDriverWait(browser, 10).until(lambda b: live["answers"])
    ((status, set_cookies),) = live["answers"]
    assert status == 201 and len(set_cookies) == 1
    WebDriverWait(browser, 10).until(lambda b: consent_cookies(live)[0]["expires"]
                                     > time.time() + SAFARI_CAP_S + 86400)
    (cookie,) = consent_cookies(live)
    assert abs(cookie["expires"] - time.time() - LIFETIME_S) < 300


def test_the_consent_reference_links_to_the_rights_form_through_the_proxy(live):
    """The rights link is relative to the script too: through the proxy it stays on the
    site's origin, and the form (its styles, links and its own cookie's path under the
    prefix) works there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = live["browser"]
    choice = choose(live, live["site"] + "/")
    browser.execute_script("ConsentBanner.show()")
    link = WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        f"const a = {BANNER}.shadowRoot.querySelector('.ref a'); return a && a.href"))
    assert link == (f"{live['site']}{PROXIED}/rights/kppay?lang=fr"
                    f"&consent_id={choice['consent_id']}")
    browser.get(link)
    form = browser.find_element(By.ID, "consent_id")
    assert form.get_attribute("value") == choice["consent_id"]
    styles = browser.find_element(By.CSS_SELECTOR, "link[rel=stylesheet]").get_attribute("href")
    assert styles.startswith(f"{live['site']}{PROXIED}/")
    assert browser.execute_script("return document.styleSheets[0].cssRules.length") > 0
    # Filed through the proxy: the confirmation comes from the form's session, whose cookie
    # must be sent back under the prefix.
    browser.find_element(By.ID, "kind-access").click()
    browser.find_element(By.ID, "email").send_keys("ama@example.tg")
    browser.find_element(By.ID, "message").send_keys("Mes choix, s'il vous plaît.")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit], form button").click()
    reference = WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.ID, "reference"))[0].text
    assert len(reference) == 12
    assert browser.current_url.startswith(f"{live['site']}{PROXIED}/rights/kppay/filed")
