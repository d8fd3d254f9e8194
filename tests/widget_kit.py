"""What the widget's browser tests share: test pages served on 127.0.0.1, one Chromium for
the whole session, and small helpers to reach into the banner's open shadow root.

Pages are tests/pages/page.html in the variants of PAGE_VARIANTS, with their scripts in
tests/pages/s/; the bundle is the
session's fresh build (`dist_dir`), or another build a test switches to (revision bump).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markupsafe
import pytest
from flask import Flask, Response, abort, request, send_file
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from .conftest import chromium

PAGES = Path(__file__).resolve().parent / "pages"
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
# The nonce page allows only scripts carrying this nonce: activated scripts must get it.
NONCE_CSP = "default-src 'self'; script-src 'nonce-t3st'; style-src 'self'"
HOST = "document.querySelector('[data-consent-banner]')"
ROOT = HOST + ".shadowRoot"


@dataclass
class State:
    """What the test server does and saw; reset before each test."""

    bundle: Path
    status: int = 201  # what the consent endpoint answers
    events: list = field(default_factory=list)  # (headers, body text, status) per POST
    packs_missing: bool = False  # every text pack (consent.<lang>.<hash>.js) answers 404
    # the preferences chunk (consent-prefs.<lang>.<hash>.js): None as built, "missing" answers
    # 404, "altered" serves other bytes than its SRI says, "slow" comes after half a second
    prefs_fault: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


# The test pages: one KPpay-like page (tests/pages/page.html) and what each one changes.
# Under a strict CSP the inline blocked script becomes a file; "plain" has nothing blocked.
PAGE_VARIANTS = {
    "basic.html": {},
    "csp.html": {"inline_as_file": True},
    "csp-gtag.html": {"inline_as_file": True, "before": ["/s/gtag.js"]},
    "csp-throwing.html": {"inline_as_file": True, "before": ["/s/throwing.js"]},
    "gpc.html": {"before": ["/s/gpc.js"]},
    "hostile.html": {"stylesheet": "/s/hostile.css"},
    "nonce.html": {"nonce": "t3st"},
    "plain.html": {"blocked": False},
    "nobutton.html": {"blocked": False, "banner_attrs": ' data-button="off"'},
    # Links all down a page taller than the window, the last ones where the banner sits.
    "links.html": {"blocked": False, "links": 40},
    # The page's brand colours on the banner's element (brand.js), under the strict CSP.
    "csp-brand.html": {"inline_as_file": True, "stylesheet": "/s/brand.css"},
    "csp-brand-low.html": {"inline_as_file": True, "stylesheet": "/s/brand-low.css"},
}
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(PAGES), autoescape=True)


def render_page(name: str) -> str:
    settings = {"blocked": True, "inline_as_file": False, "before": [], "stylesheet": None,
                "banner_attrs": "", "links": 0, **PAGE_VARIANTS[name]}
    nonce = settings.pop("nonce", None)
    settings["nonce_attr"] = markupsafe.Markup(f' nonce="{nonce}"' if nonce else "")
    settings["banner_attrs"] = markupsafe.Markup(settings["banner_attrs"])
    return _TEMPLATES.get_template("page.html").render(**settings) + "\n"


def make_app(state: State) -> Flask:
    app = Flask(__name__, static_folder=None)

    @app.get("/c/<name>")
    def bundle(name):
        # the bundle, the text packs it loads beside it (consent.<lang>.<hash>.js) and the
        # preferences chunk (consent-prefs.<lang>.<hash>.js)
        if not (name.startswith(("consent.", "consent-prefs.")) and name.endswith(".js")):
            abort(404)
        if state.packs_missing and name.startswith("consent.") and name.count(".") == 3:
            abort(404)
        if name.startswith("consent-prefs.") and state.prefs_fault == "slow":
            time.sleep(0.5)
        if name.startswith("consent-prefs.") and state.prefs_fault == "missing":
            abort(404)
        if name.startswith("consent-prefs.") and state.prefs_fault == "altered":
            body = (state.bundle / name).read_bytes().replace(b"use strict", b"use strict ")
            return Response(body, mimetype="text/javascript")
        return send_file(state.bundle / name, mimetype="text/javascript", max_age=0)

    @app.get("/p/<name>")
    def page(name):
        if name not in PAGE_VARIANTS:
            abort(404)
        response = Response(render_page(name), mimetype="text/html")
        if name.startswith("csp"):
            response.headers["Content-Security-Policy"] = STRICT_CSP
        if name.startswith("nonce"):
            response.headers["Content-Security-Policy"] = NONCE_CSP
        return response

    @app.get("/s/<name>")
    def script(name):
        if request.args.get("slow"):
            time.sleep(0.3)  # loads last if not chained: proves document order
        return send_file(PAGES / "s" / name, max_age=0)

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    @app.get("/blank")
    def blank():
        return "<!doctype html><title>blank</title>"

    @app.get("/politique-cookies")
    def policy():
        return "<!doctype html><html lang=fr><title>Politique</title><main>Politique</main>"

    @app.post("/api/v1/consents")
    def consents():
        with state.lock:
            status = state.status
            state.events.append((dict(request.headers), request.get_data(as_text=True), status))
        body = json.loads(request.get_data(as_text=True) or "{}")
        if status == 201:
            return {"event_id": body.get("event_id"), "consent_id": body.get("consent_id"),
                    "server_time": "2026-01-01T00:00:00Z", "receipt": "ab" * 32}, 201
        return {"error": "unavailable", "field": None}, status

    return app


class Server:
    def __init__(self, state: State, ssl_context: tuple[str, str] | None = None):
        self.state = state
        self.http = make_server("127.0.0.1", 0, make_app(state), threaded=True,
                                ssl_context=ssl_context)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def widget_server(dist_dir):
    server = Server(State(bundle=dist_dir / "kppay"))
    yield server
    server.http.shutdown()


@pytest.fixture(scope="session")
def session_browser():
    """One headless Chromium for every widget test; `w` cleans it between tests."""
    with chromium("consent-widget-") as driver:
        yield driver


class Widget:
    """The browser on a test page, with the banner's shadow root at hand."""

    def __init__(self, driver, server: Server, dist_dir: Path):
        self.driver, self.server, self.dist_dir = driver, server, dist_dir

    # --- navigation and state -------------------------------------------------------
    def reset(self) -> None:
        state = self.server.state
        state.bundle, state.status = self.dist_dir / "kppay", 201
        state.packs_missing = False
        state.prefs_fault = None
        with state.lock:
            state.events.clear()
        self.driver.get(self.server.url + "/blank")
        self.driver.delete_all_cookies()
        self.js("localStorage.clear()")
        self.driver.get_log("browser")  # drain what earlier tests left

    def open(self, page: str = "basic.html", wait_for: str = "[role=region]") -> None:
        self.driver.get(f"{self.server.url}/p/{page}")
        if wait_for:
            self.wait(lambda: self.find(wait_for))

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, predicate, timeout: float = 5, message: str = ""):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            lambda _: predicate(), message)

    # --- inside the shadow root -----------------------------------------------------
    def find(self, selector: str):
        """The element in the banner's shadow root, or None."""
        return self.js(f"var h = {HOST}; return h && h.shadowRoot.querySelector(arguments[0])",
                       selector)

    def click(self, selector: str) -> None:
        """A real (WebDriver) click on an element of the shadow root."""
        host = self.driver.find_element(By.CSS_SELECTOR, "[data-consent-banner]")
        host.shadow_root.find_element(By.CSS_SELECTOR, selector).click()

    def button(self, label: str):
        """The visible button of the banner whose text is `label`."""
        return self.js(f"""return [...{ROOT}.querySelectorAll('button')]
            .find(b => b.textContent.trim() === arguments[0] && b.getClientRects().length)""",
                       label)

    def press(self, label: str) -> None:
        self.wait(lambda: self.button(label), message=f"no button {label!r}")
        self.button(label).click()

    def text(self, selector: str = "[role=region]") -> str:
        # One call: a language switch may redraw the banner between two (its pack loads).
        script = ("var h = " + HOST + ", e = h && h.shadowRoot.querySelector(arguments[0]);"
                  " return e ? e.textContent : '';")
        return self.js(script, selector)

    def focused(self) -> str:
        """Name of what has focus, looking through the shadow root: 'TAG:name'."""
        return self.js("""var a = document.activeElement;
            if (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
            return a.tagName + ':' + (a.getAttribute('aria-label') || a.textContent.trim()
              .slice(0, 30))""")

    def keys(self, *keys) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def shift_tab(self) -> None:
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(
            Keys.SHIFT).perform()

    # --- what the page saw ----------------------------------------------------------
    def ran(self) -> list:
        return self.js("return window.ran")

    def choice(self):
        return self.js("return ConsentBanner.get()")

    def cookies(self) -> dict:
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    def queue(self) -> list:
        return json.loads(self.js("return localStorage.getItem('consent_banner_queue')") or "[]")

    def events(self) -> list:
        with self.server.state.lock:
            return list(self.server.state.events)

    def problems(self) -> list:
        """Browser log entries that are errors or warnings (the banner warns what it caught)."""
        return [e for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


@pytest.fixture
def w(session_browser, widget_server, dist_dir):
    widget = Widget(session_browser, widget_server, dist_dir)
    widget.reset()
    return widget
