"""Small sites for the cookie audit's tests, served on 127.0.0.1 with the fresh KPpay bundle.

`localhost` (the same server under another host name) plays the third party. Each site is a
folder of the URL space: /clean/, /ga/, /iframe/, /kept/, /vendor/, /nobanner/, and /slow/.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask, abort, render_template_string, request, send_file
from werkzeug.serving import make_server

PAGES = Path(__file__).resolve().parent / "audit_pages"
THIRTEEN_MONTHS = 395 * 86400

# What each site's page holds in its <main>, around the banner's script tag.
SITES = {
    # A declared performance cookie, set by a script that waits for consent.
    "clean": '<script type="text/plain" data-consent="performance" src="/a/wt_fpc.js"></script>'
             '<p><a href="/clean/about">About</a> · <a href="/clean/terms.pdf">Terms</a></p>',
    "about": "<p>About us.</p>",
    # An analytics tag pasted without data-consent: it sets _ga before any choice.
    "ga": '<script src="/a/ga.js"></script>',
    # A social embed pasted as a plain iframe: it loads before any choice.
    "iframe": '<iframe src="{{ third_party }}/a/embed.html" title="Latest post"></iframe>',
    # The server sets the performance cookie as soon as a choice exists, whatever it says.
    "kept": "<p>Server-side analytics.</p>",
    # Another vendor's banner, and no banner at all.
    "vendor": '<div id="CybotCookiebotDialog">We use cookies.</div>',
    "nobanner": "<p>No banner here.</p>",
}
NO_BANNER = {"vendor", "nobanner"}


def make_app(bundle: Path) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["THIRD_PARTY"] = ""

    @app.get("/<site>/")
    @app.get("/clean/<any(about):site>")
    def page(site):
        if site not in SITES:
            abort(404)
        main = render_template_string(SITES[site], third_party=app.config["THIRD_PARTY"])
        html = render_template_string((PAGES / "page.html").read_text(encoding="utf-8"),
                                      main=main, banner=site not in NO_BANNER, site=site)
        response = app.response_class(html, mimetype="text/html")
        if site == "kept" and "consent_banner" in request.cookies:
            response.set_cookie("WT_fpc", "server-side", max_age=THIRTEEN_MONTHS, httponly=True,
                                samesite="Lax")
        return response

    @app.get("/slow/")
    def slow():
        time.sleep(3)  # longer than the tests' --timeout
        return "<!doctype html><title>late</title>"

    @app.get("/c/consent.js")
    def banner():
        return send_file(bundle / "consent.js", mimetype="text/javascript", max_age=0)

    @app.get("/a/<name>")
    def asset(name):
        path = PAGES / name
        if not path.is_file():
            abort(404)
        return send_file(path, max_age=0)

    @app.post("/api/v1/consents")
    def consents():
        return {"receipt": "ab" * 32}, 201

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    return app


class AuditSites:
    def __init__(self, bundle: Path):
        self.app = make_app(bundle)
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        port = self.http.server_port
        self.url = f"http://127.0.0.1:{port}"
        self.app.config["THIRD_PARTY"] = f"http://localhost:{port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.http.shutdown()
