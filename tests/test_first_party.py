"""First-party mode: the site's own path (proxied to /api/v1/consents/first-party) stores the
choice as the consent endpoint does and answers with the consent cookie by HTTP, which Safari
and Brave keep for the site's full lifetime; without the proxy (404), the proof goes to the
endpoint as usual and the widget's own cookie stays."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from .conftest import SITE_TOML, LiveServer, build_site

LIFETIME = 180 * 86400
EVENT = {"site": "kppay", "revision": 1, "consent_id": "c" * 32, "event_id": "e" * 32,
         "action": "custom", "language": "fr", "page_url": "https://www.kppay.tg/",
         "gpc": False, "client_time": "2026-01-01T00:00:00.000Z",
         "choices": {"essential": True, "performance": True, "functionality": False,
                     "targeting": False, "social": False}}
# In the page before the banner: a script's writes of the consent cookie are dropped, so the
# cookie the browser holds can only have come from an HTTP answer.
NO_SCRIPT_WRITE = """
const real = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
Object.defineProperty(document, 'cookie', {configurable: true,
  get() { return real.get.call(this); },
  set(v) { if (!String(v).startsWith('consent_banner=')) real.set.call(this, v); }});
"""


def _client(app, origin="https://www.kppay.tg"):
    app.config["ALLOWED_ORIGINS"] = {"kppay": [origin]}
    return app.test_client()


def test_the_answer_sets_the_consent_cookie_the_widget_reads(app):
    response = _client(app).post("/api/v1/consents/first-party", data=json.dumps(EVENT),
                                 content_type="text/plain",
                                 headers={"Origin": "https://www.kppay.tg"})
    assert response.status_code == 201 and response.get_json()["consent_id"] == "c" * 32
    (cookie,) = response.headers.getlist("Set-Cookie")
    name_value, *attributes = cookie.split("; ")
    name, value = name_value.split("=", 1)
    assert name == "consent_banner"
    assert json.loads(urllib.parse.unquote(value)) == {
        key: EVENT[key] for key in ("consent_id", "revision", "client_time", "choices")}
    assert {f"Max-Age={LIFETIME}", "Domain=kppay.tg", "Secure", "Path=/",
            "SameSite=Lax"} <= set(attributes)
    assert "HttpOnly" not in attributes  # the widget reads it


@pytest.mark.parametrize(("body", "status"), [
    ("{bad", 400), (json.dumps({**EVENT, "site": "x"}), 400)])
def test_an_event_the_endpoint_refuses_sets_no_cookie(app, body, status):
    response = _client(app).post("/api/v1/consents/first-party", data=body,
                                 content_type="text/plain")
    assert response.status_code == status and "error" in response.get_json()
    assert response.headers.getlist("Set-Cookie") == []


def _site(tmp_path_factory, name: str, path: str):
    folder = tmp_path_factory.mktemp(name)
    text = SITE_TOML.read_text(encoding="utf-8").replace(
        'endpoint = "/api/v1/consents"\n',
        f'endpoint = "/api/v1/consents"\nfirst_party_endpoint = "{path}"\n')
    assert "first_party_endpoint" in text
    (folder / "site.toml").write_text(text, encoding="utf-8")
    build_site(folder / "dist", site=folder / "site.toml")
    return folder / "dist"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    # The demo serves the page from the server itself: its own path is the proxied one.
    return _site(tmp_path_factory, "first-party", "/api/v1/consents/first-party")


@pytest.fixture(scope="module")
def unproxied(tmp_path_factory):
    return _site(tmp_path_factory, "no-proxy", "/no-proxy-here")


@pytest.fixture
def browser(w):
    """The session's Chromium, where scripts cannot write the consent cookie."""
    script = w.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                      {"source": NO_SCRIPT_WRITE})
    yield w.driver
    w.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                             {"identifier": script["identifier"]})
    w.driver.delete_all_cookies()


def _accept_on_demo(driver, dist, tmp_path):
    """Accept all on the demo served from `dist`; the POSTs the server answered, the
    browser's cookies, and whether the next page asks again."""
    from flask import request

    from server import create_app

    app = create_app({"TESTING": True, "DIST_DIR": str(dist), "INSTANCE_PATH": str(tmp_path)})
    posts = []

    @app.after_request
    def seen(response):
        if request.method == "POST":
            posts.append([request.path, response.status_code])
        return response

    server = LiveServer(app)
    host = "document.querySelector('[data-consent-banner]')"
    try:
        driver.get(server.url + "/")
        _until(lambda: driver.execute_script(
            f"var h = {host}; return h && h.shadowRoot.querySelector('.L .b')"))
        driver.execute_script(f"{host}.shadowRoot.querySelector('.L .b').click()")  # accept
        _until(lambda: any(status == 201 for _, status in posts))
        cookies = {c["name"]: c for c in driver.get_cookies()}
        driver.get(server.url + "/")  # the next page reads the choice from the cookie
        _until(lambda: driver.execute_script(
            f"var h = {host}; return h && h.shadowRoot.querySelector('.L,.F')"))
        asked_again = driver.execute_script(f"return !!{host}.shadowRoot.querySelector('.L')")
        return posts, cookies, asked_again
    finally:
        server.stop()
        app.extensions["consent_engine"].dispose()


def _until(predicate, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_in_first_party_mode_the_cookie_comes_from_set_cookie_with_the_site_lifetime(
        browser, proxied, tmp_path):
    posts, cookies, asked_again = _accept_on_demo(browser, proxied, tmp_path)
    assert posts == [["/api/v1/consents/first-party", 201]]
    cookie = cookies["consent_banner"]  # scripts could not write it: the answer did
    assert cookie["expiry"] == pytest.approx(time.time() + LIFETIME, abs=120)
    assert json.loads(urllib.parse.unquote(cookie["value"]))["choices"]["performance"] is True
    assert not asked_again


def test_without_the_proxy_the_proof_goes_to_the_endpoint(browser, unproxied, tmp_path):
    posts, cookies, asked_again = _accept_on_demo(browser, unproxied, tmp_path)
    assert posts == [["/no-proxy-here", 404], ["/api/v1/consents", 201]]
    # No Set-Cookie from the endpoint: with script writes blocked here, no cookie at all
    # (in a real page the widget's own cookie is the fallback).
    assert "consent_banner" not in cookies
    assert asked_again
