"""`python build.py release`: screenshots of a built release, filed beside it for the server.

Headless Chromium opens a plain page carrying the site's built bundle (served from a copy of
dist/<site>/ on 127.0.0.1, nothing of the server involved) in each of the site's languages, on
a desktop (1280×800) and a phone (375×812), and takes the first layer, then the preferences.
The PNGs go to dist/<site>/screenshots/<release id>/<language>-<layer>-<device>.png, which the
server registers with the release (`flask --app server releases register`, and at start).
They are not part of the bundle, and not committed (.gitignore): a release's proof lives in the
server's database.
"""

from __future__ import annotations

import functools
import html
import json
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from release_ids import DEVICES, SCREENSHOTS, screenshot_name

from .errors import BuildError, Problem

# Width, height, and whether it is a touch device with a mobile viewport.
SIZES = {"desktop": (1280, 800, False), "phone": (375, 812, True)}
_SHADOW = "return document.querySelector('[data-consent-banner]').shadowRoot"
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}</title></head>
<body><main><h1>{name}</h1></main><script src="{bundle}" async></script></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the build prints its own lines
        pass


def _driver():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        from consent_audit.browser import CHROMEDRIVER, CHROMIUM, find_executable
        from consent_audit.errors import AuditError
    except ImportError:
        raise BuildError([Problem("release", None, "screenshots need Selenium: pip install "
                                  "--require-hashes -r requirements/audit.txt")]) from None
    try:
        options = webdriver.ChromeOptions()
        options.binary_location = find_executable(None, CHROMIUM, "chromium")
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--force-color-profile=srgb"):
            options.add_argument(flag)
        return webdriver.Chrome(service=Service(find_executable(None, CHROMEDRIVER,
                                                                "chromedriver")),
                                options=options)
    except AuditError as exc:
        raise BuildError([Problem("release", None, str(exc))]) from None


def take(site_folder: Path) -> list[Path]:
    """Screenshot the release built in `site_folder` (dist/<site>/); return the files."""
    from selenium.webdriver.support.ui import WebDriverWait

    manifest = json.loads((site_folder / "manifest.json").read_text(encoding="utf-8"))
    target = site_folder / SCREENSHOTS / manifest["release"]
    with tempfile.TemporaryDirectory(prefix="consent-release-") as tmp:
        staging = Path(tmp) / "shots"
        staging.mkdir()
        served = Path(tmp) / "site"
        shutil.copytree(site_folder, served, ignore=shutil.ignore_patterns(SCREENSHOTS))
        bundle = manifest["files"]["consent.js"]["file"]
        for lang in manifest["languages"]:
            (served / f"{lang}.html").write_text(_PAGE.format(
                lang=lang, name=html.escape(manifest["name"]), bundle=bundle), encoding="utf-8")
        server = ThreadingHTTPServer(("127.0.0.1", 0),
                                     functools.partial(_Quiet, directory=str(served)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = _driver()
        try:
            wait = WebDriverWait(driver, 15)
            for device in DEVICES:
                width, height, mobile = SIZES[device]
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                    "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
                for lang in manifest["languages"]:
                    driver.delete_all_cookies()
                    driver.get(f"http://127.0.0.1:{server.server_port}/{lang}.html")
                    driver.execute_script("localStorage.clear()")
                    wait.until(lambda d: d.execute_script(
                        _SHADOW + ".querySelector('[role=region]')"))
                    driver.save_screenshot(str(staging / screenshot_name(lang, "first", device)))
                    driver.execute_script(_SHADOW + ".querySelector('[aria-haspopup]').click()")
                    wait.until(lambda d: d.execute_script(
                        _SHADOW + ".querySelector('[role=dialog]')"))
                    driver.save_screenshot(
                        str(staging / screenshot_name(lang, "preferences", device)))
        finally:
            driver.quit()
            server.shutdown()
            server.server_close()
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, target)
    return sorted(target.glob("*.png"))
