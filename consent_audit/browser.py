"""Headless Chromium for the audit: a fresh profile per pass, the DevTools protocol for what the
page stores and requests, and the banner driven through window.ConsentBanner."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from urllib.parse import urljoin, urlsplit

from .errors import AuditError
from .records import Cookie, StorageKey
from .vendors import DETECT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,800")
# Resource types of the DevTools protocol, in the words of the report.
KINDS = {"Document": "page", "Script": "script", "Image": "image", "XHR": "xhr",
         "Fetch": "fetch", "Ping": "beacon", "Stylesheet": "stylesheet", "Font": "font",
         "Media": "media", "WebSocket": "websocket", "EventSource": "eventsource"}
_OURS = "return !!(window.ConsentBanner && typeof window.ConsentBanner.acceptAll === 'function')"
_STORAGE = """var out = [];
  [['localStorage', window.localStorage], ['sessionStorage', window.sessionStorage]].forEach(
    function (pair) { try { for (var i = 0; i < pair[1].length; i++)
      out.push([pair[0], pair[1].key(i)]); } catch (e) {} });
  return [location.origin, out];"""


def find_executable(given: str | None, default: str, name: str) -> str:
    for candidate in (given, default, shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise AuditError(f"{name} not found (looked for {given or default}); install Debian's "
                     "chromium and chromium-driver, or give --chromium and --chromedriver")


class Browser:
    """One Chromium with its own throwaway profile; use it as a context manager."""

    def __init__(self, chromium: str | None = None, chromedriver: str | None = None,
                 page_timeout: float = 30.0):
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            raise AuditError("the audit needs Selenium: pip install 'consent-banner[audit]'") \
                from None
        binary = find_executable(chromium, CHROMIUM, "chromium")
        driver_path = find_executable(chromedriver, CHROMEDRIVER, "chromedriver")
        self.profile = tempfile.mkdtemp(prefix="consent-audit-")
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in (*FLAGS, f"--user-data-dir={self.profile}"):
            options.add_argument(flag)
        # Network events reach us through the performance log (the DevTools protocol's).
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.page_timeout = page_timeout
        try:
            self.driver = webdriver.Chrome(service=Service(driver_path), options=options)
        except Exception as exc:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise AuditError(f"Chromium did not start: {str(exc).splitlines()[0]}") from None
        self.driver.set_page_load_timeout(page_timeout)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.top_frame: str | None = None
        self.pending: list[dict] = []  # requests logged and not yet taken
        self.last_event = time.monotonic()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    # --- pages --------------------------------------------------------------------------
    def visit(self, url: str, settle: float) -> None:
        from selenium.common.exceptions import TimeoutException, WebDriverException

        try:
            self.driver.get(url)
        except TimeoutException:
            raise AuditError(f"timeout: {url} did not finish loading within "
                             f"{self.page_timeout:g} s") from None
        except WebDriverException as exc:
            raise AuditError(f"cannot load {url}: {exc.msg or exc}") from None
        if self.driver.current_url.startswith("chrome-error://"):
            raise AuditError(f"cannot reach {url}: the browser shows its error page")
        if self.top_frame is None:
            self.top_frame = self.driver.execute_cdp_cmd("Page.getFrameTree", {})[
                "frameTree"]["frame"]["id"]
        self.settle(settle)

    def settle(self, quiet: float) -> None:
        """Wait until no request has started for `quiet` seconds (at most 10 times that)."""
        deadline = time.monotonic() + quiet * 10
        self._read_log()
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_event >= quiet:
                return
            time.sleep(min(0.1, quiet))
            self._read_log()

    def _read_log(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            params = message["params"]
            url = params["request"]["url"]
            if not url.startswith(("http://", "https://")):
                continue
            self.last_event = time.monotonic()
            self.pending.append(params)

    def take_requests(self) -> list[dict]:
        """The requests started since the last call: url, host, kind, initiator."""
        self._read_log()
        taken, self.pending = self.pending, []
        return [_request(params, self.top_frame) for params in taken]

    def links(self) -> list[str]:
        hrefs = self.js("return Array.from(document.links, function (a) { return a.href; })")
        return [urljoin(self.driver.current_url, h).split("#")[0] for h in hrefs or []]

    def screenshot(self) -> bytes:
        return self.driver.get_screenshot_as_png()

    # --- what the page keeps ------------------------------------------------------------
    def cookies(self, page: str) -> list[Cookie]:
        """Every cookie of the profile, HttpOnly and third-party ones included."""
        now = time.time()
        found = self.driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
        return [Cookie(name=c["name"], domain=c["domain"], path=c["path"],
                       expires=None if c.get("session") else c.get("expires"),
                       http_only=c.get("httpOnly", False), secure=c.get("secure", False),
                       same_site=c.get("sameSite"), size=c.get("size", 0), seen_at=now,
                       page=page) for c in found]

    def storage(self, page: str) -> list[StorageKey]:
        origin, keys = self.js(_STORAGE)
        return [StorageKey(area, origin, key, page) for area, key in keys]

    # --- the banner ---------------------------------------------------------------------
    def wait_for_banner(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(_OURS):
            if time.monotonic() > deadline:
                vendor = self.js(DETECT)
                if vendor:
                    raise AuditError(f"{url} shows a consent banner from {vendor}, not ours: the "
                                     "audit drives window.ConsentBanner, so it cannot judge it")
                raise AuditError(f"no consent banner on {url}: window.ConsentBanner did not "
                                 f"appear within {timeout:g} s (is the banner's script tag on "
                                 "the page?)")
            time.sleep(0.05)

    def choose(self, action: str) -> None:
        """`acceptAll` or `refuseAll`, through the public API (any language, any theme)."""
        self.js(f"window.ConsentBanner.{action}()")


def _request(params: dict, top_frame: str | None) -> dict:
    url = params["request"]["url"]
    kind = KINDS.get(params.get("type", ""), (params.get("type") or "other").lower())
    if kind == "page" and params.get("frameId") != top_frame:
        kind = "iframe"
    initiator = params.get("initiator") or {}
    source = initiator.get("url") or next(
        (f["url"] for f in initiator.get("stack", {}).get("callFrames", []) if f.get("url")), "")
    how = initiator.get("type", "other")
    return {"url": url, "host": urlsplit(url).hostname or "", "kind": kind,
            "initiator": f"{how} {source}".strip()}
