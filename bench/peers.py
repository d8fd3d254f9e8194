"""Our banner beside vanilla-cookieconsent 3, in the same headless Chromium run.

`python bench/peers.py [RUNS]` (default 11 runs each, bounded to 3 minutes) needs
`npm ci --prefix bench` (vanilla-cookieconsent from the npm registry). Both banners get the
same five KPpay categories with the same French texts (read from our catalogs) on the
same page, and for each the script prints: bytes (raw, gzip, brotli) of what a visitor
downloads; the median time from navigation start to the first frame where the first layer
is visible; script evaluation time (DevTools `Performance.getMetrics` ScriptDuration,
the page's delta); and layout shift. Printed, not asserted.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import brotli
from babel.messages.pofile import read_po
from flask import Flask, Response
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consent_build.cli import build  # noqa: E402
from consent_build.site_config import load_site  # noqa: E402

VCC = ROOT / "bench" / "node_modules" / "vanilla-cookieconsent" / "dist"
TIME_LIMIT = 180  # seconds, for all runs together

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>KPpay</title>
<script src="/probe.js"></script>{head}</head><body>
<header><h1>KPpay</h1></header><main>{text}</main>
<footer><a href="#" data-consent-open data-cc="show-preferencesModal">Gestion des Cookies</a>
</footer></body></html>"""
TEXT = "<p>Payez, envoyez et recevez de l'argent à Lomé et partout au Togo.</p>" * 30

# Runs before either banner: records the first animation frame where its first layer shows.
PROBE = """
(function () {
  function shown(e) {
    if (!e) return false;
    var s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.display != "none" && s.visibility == "visible" && +s.opacity > 0 && r.height > 0;
  }
  function layer() {
    var host = document.querySelector("[data-consent-banner]");
    if (host && host.shadowRoot) return host.shadowRoot.querySelector("[role=region]");
    return document.querySelector("#cc-main .cm");
  }
  function frame() {
    if (shown(layer())) window.__visible = performance.now();
    else if (performance.now() < 10000) requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
  window.__shift = 0;
  new PerformanceObserver(function (l) {
    l.getEntries().forEach(function (e) { window.__shift += e.value; });
  }).observe({type: "layout-shift", buffered: true});
})();
"""


def french_texts() -> tuple[dict, list]:
    """Our French texts by msgid, and KPpay's categories, for the peer's configuration."""
    with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "banner.po").open("rb") as f:
        catalog = read_po(f)
    fr = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str)}
    config = load_site(ROOT / "banner_src" / "site.toml", ROOT / "translations")
    return fr, config.categories


def peer_config() -> str:
    fr, categories = french_texts()
    t = lambda s: fr.get(s, s).replace("{site}", "KPpay")  # noqa: E731
    sections = [{"title": t("Cookie settings"),
                 "description": t("You can change these choices at any time via the "
                                  "“Cookie settings” link.")}]
    for c in categories:
        rows = [{"name": x["name"], "provider": x["provider"], "purpose": t(x["purpose"])}
                for x in c["cookies"] + c["services"]]
        section = {"title": t(c["title"]), "description": t(c["description"]),
                   "linkedCategory": c["id"]}
        if rows:
            section["cookieTable"] = {"headers": {"name": "Nom", "provider": "Fournisseur",
                                                  "purpose": "Finalité"}, "body": rows}
        sections.append(section)
    config = {
        # Its default hides the banner from WebDriver-controlled browsers, i.e. from us.
        "hideFromBots": False,
        "categories": {c["id"]: ({"enabled": True, "readOnly": True} if c["required"] else {})
                       for c in categories},
        "language": {"default": "fr", "translations": {"fr": {
            "consentModal": {
                "title": t("Cookies on {site}"),
                "description": t("We use cookies to remember your preferences, analyse "
                                 "traffic and keep the site secure. You choose which ones "
                                 "we may use."),
                "acceptAllBtn": t("Accept all"), "acceptNecessaryBtn": t("Refuse all"),
                "showPreferencesBtn": t("Customize")},
            "preferencesModal": {
                "title": t("Cookie settings"), "acceptAllBtn": t("Accept all"),
                "acceptNecessaryBtn": t("Refuse all"), "savePreferencesBtn": t("Save my choices"),
                "closeIconLabel": t("Close"), "sections": sections}}}},
    }
    return "CookieConsent.run(" + json.dumps(config, ensure_ascii=False) + ");\n"


def make_app(dist: Path) -> tuple[Flask, dict]:
    app = Flask(__name__, static_folder=None)
    ours_js = (dist / "kppay" / "consent.js").read_bytes()
    files = {
        "/ours.js": (ours_js, "text/javascript"),
        "/vcc.js": ((VCC / "cookieconsent.umd.js").read_bytes(), "text/javascript"),
        "/vcc.css": ((VCC / "cookieconsent.css").read_bytes(), "text/css"),
        "/vcc-config.js": (peer_config().encode(), "text/javascript"),
        "/probe.js": (PROBE.encode(), "text/javascript"),
    }
    pages = {
        "none": PAGE.format(head="", text=TEXT),
        "ours": PAGE.format(head='<script src="/ours.js" async></script>', text=TEXT),
        "vcc": PAGE.format(head='<link rel="stylesheet" href="/vcc.css">'
                                '<script src="/vcc.js" defer></script>'
                                '<script src="/vcc-config.js" defer></script>', text=TEXT),
    }

    @app.get("/p/<name>")
    def page(name):
        return Response(pages[name], mimetype="text/html")

    @app.get("/<name>")
    def asset(name):
        data, mimetype = files["/" + name]
        return Response(data, mimetype=mimetype, headers={"Cache-Control": "no-store"})

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    @app.post("/api/v1/consents")
    def consents():
        return {}, 201

    downloads = {"none": [], "ours": [files["/ours.js"][0]],
                 "vcc": [files[n][0] for n in ("/vcc.js", "/vcc.css", "/vcc-config.js")]}
    return app, downloads


def sizes(parts: list[bytes]) -> tuple[int, int, int]:
    return (sum(len(p) for p in parts),
            sum(len(gzip.compress(p, 9, mtime=0)) for p in parts),
            sum(len(brotli.compress(p, quality=11)) for p in parts))


def measure(driver, url: str) -> tuple[float, float, float]:
    driver.delete_all_cookies()
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    deadline = time.monotonic() + 10
    while not url.endswith("/none") and driver.execute_script("return window.__visible") is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no first layer on {url}")
        time.sleep(0.02)
    time.sleep(0.3)  # let entrance animations and late shifts finish
    visible = driver.execute_script("return window.__visible") or 0.0
    shift = driver.execute_script("return window.__shift")
    script = metric(driver, "ScriptDuration")  # this document's, since its navigation
    driver.execute_script("localStorage.clear()")
    return visible, script * 1000, shift


def metric(driver, name: str) -> float:
    found = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return next(m["value"] for m in found if m["name"] == name)


def main(runs: int) -> None:
    if not (VCC / "cookieconsent.umd.js").is_file():
        sys.exit("run `npm ci --prefix bench` first (installs vanilla-cookieconsent)")
    with tempfile.TemporaryDirectory() as dist:
        build(ROOT / "banner_src" / "site.toml", ROOT / "banner_src", ROOT / "translations",
              Path(dist), check=False)
        app, downloads = make_app(Path(dist))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--window-size=1280,800", "--disable-background-networking"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.execute_cdp_cmd("Performance.enable", {})
        results: dict[str, list] = {"none": [], "ours": [], "vcc": []}
        started = time.monotonic()
        try:
            for name in results:  # one warm-up each, not counted
                measure(driver, f"{base}/p/{name}")
            for _ in range(runs):
                if time.monotonic() - started > TIME_LIMIT:
                    break
                for name in results:  # interleaved, so that drift hits both alike
                    results[name].append(measure(driver, f"{base}/p/{name}"))
        finally:
            driver.quit()
            server.shutdown()
    labels = {"none": "the page alone (baseline)", "ours": "our banner",
              "vcc": "vanilla-cookieconsent 3.1.0"}
    print(f"{'':28} {'raw':>7} {'gzip':>7} {'brotli':>7} {'visible ms':>11} "
          f"{'script ms':>10} {'CLS':>7}   (median of {len(results['ours'])} runs)")
    for name, rows in results.items():
        raw, gz, br = sizes(downloads[name])
        med = [statistics.median(r[i] for r in rows) for i in range(3)]
        print(f"{labels[name]:28} {raw:7d} {gz:7d} {br:7d} {med[0]:11.1f} {med[1]:10.1f} "
              f"{med[2]:7.4f}")
    print("bytes: everything a visitor downloads (ours: JS with CSS and fr+en texts; "
          "peer: JS + CSS + its French configuration)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
