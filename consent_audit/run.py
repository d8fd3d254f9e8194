"""The three passes over the same pages, each in a fresh browser: before any choice, after
"refuse all", after "accept all"."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .browser import Browser
from .errors import AuditError
from .records import PASSES, Cookie, PassRecord, Request, StorageKey

# The build's file names (consent_build/output.py): consent.js, consent.<hash>.js and the
# language packs consent.<lang>.<hash>.js. Their host is the banner's own, not a third party.
_BANNER_FILE = re.compile(r"/consent(\.[A-Za-z_]{2,8})?(\.[0-9a-f]{8,})?\.js$")
# Links not worth a page view.
_NOT_A_PAGE = re.compile(r"\.(pdf|zip|png|jpe?g|gif|svg|webp|mp4|mp3|css|js|xml|txt)$", re.I)
ACTIONS = {"refused": "refuseAll", "accepted": "acceptAll"}


@dataclass
class Options:
    pages: int = 10  # pages per pass: the URL and same-origin links found from it
    time_limit: float = 120.0  # seconds for the whole audit; the crawl stops when it is spent
    page_timeout: float = 30.0
    banner_timeout: float = 10.0
    settle: float = 1.0  # seconds without a new request before a page counts as loaded
    first_party: list[str] = field(default_factory=list)  # more hosts that are the site's
    chromium: str | None = None
    chromedriver: str | None = None


@dataclass
class Audit:
    url: str
    started: float
    finished: float
    first_party: list[str]
    passes: list[PassRecord]


def preflight(url: str, timeout: float) -> None:
    """A clear line for an unreachable URL before any browser starts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuditError(f"{url!r} is not an http(s) URL; expected e.g. https://www.example.com/")
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            pass
    except urllib.error.HTTPError as exc:
        raise AuditError(f"{url} answered HTTP {exc.code} {exc.reason}; nothing to audit") \
            from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):  # no answer to the connection itself
            raise AuditError(f"timeout: {url} did not answer within {timeout:g} s") from None
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        raise AuditError(f"cannot reach {url}: {reason}") from None
    except TimeoutError:
        raise AuditError(f"timeout: {url} did not answer within {timeout:g} s") from None


def run(url: str, options: Options, own_hosts: tuple[str, ...] = ()) -> Audit:
    """Audit `url`; `own_hosts` are where the banner sends choices, when not the site itself."""
    preflight(url, options.page_timeout)
    started = time.time()
    host = urlsplit(url).hostname.lower()
    site = host.removeprefix("www.")
    first_party = sorted({host, site, *(h.lower() for h in options.first_party)})

    def is_first_party(other: str) -> bool:
        return any(other == s or other.endswith("." + s) for s in first_party)

    budget = options.time_limit / len(PASSES)
    pages = [url]
    passes = []
    for name in PASSES:
        record = _one_pass(name, pages, options, is_first_party, own_hosts,
                           deadline=time.monotonic() + budget, discover=name == "before")
        passes.append(record)
        pages = record.pages  # the later passes visit what the first one found
    return Audit(url, started, time.time(), first_party, passes)


def _one_pass(name: str, pages: list[str], options: Options, is_first_party, own_hosts,
              deadline: float, discover: bool) -> PassRecord:
    record = PassRecord(name)
    seen_cookies: dict[tuple, Cookie] = {}
    seen_storage: dict[tuple, StorageKey] = {}
    origin = urlsplit(pages[0])[:2]
    queue = list(pages)
    with Browser(options.chromium, options.chromedriver, options.page_timeout) as browser:

        def collect(page: str, after_choice: bool) -> None:
            for raw in browser.take_requests():
                if _BANNER_FILE.search(urlsplit(raw["url"]).path) and raw["kind"] == "script":
                    if raw["host"] not in record.banner_hosts:
                        record.banner_hosts.append(raw["host"])
                if not is_first_party(raw["host"]):
                    record.requests.append(Request(page=page, after_choice=after_choice, **raw))
            for cookie in browser.cookies(page):
                seen_cookies.setdefault(cookie.key, cookie)
                seen_cookies[cookie.key].expires = cookie.expires  # the latest expiry wins
                seen_cookies[cookie.key].seen_at = cookie.seen_at
            for item in browser.storage(page):
                seen_storage.setdefault((item.area, item.origin, item.key), item)

        first = queue.pop(0)
        browser.visit(first, options.settle)
        browser.wait_for_banner(first, options.banner_timeout)
        browser.settle(options.settle)
        if name in ACTIONS:
            # What happens before the choice is the first pass's business; from here on, the
            # choice is stored, and the page is loaded again as a visitor's next page view.
            browser.take_requests()
            browser.choose(ACTIONS[name])
            browser.settle(options.settle)
            collect(first, after_choice=True)
            browser.visit(first, options.settle)
        record.screenshot = browser.screenshot()
        record.pages.append(first)
        collect(first, after_choice=name in ACTIONS)
        if discover:
            queue += _same_origin(browser.links(), origin, record.pages + queue)
        while queue and len(record.pages) < options.pages:
            if time.monotonic() > deadline:
                record.notes.append(f"time limit reached: {len(queue)} page(s) not visited")
                break
            page = queue.pop(0)
            browser.visit(page, options.settle)
            record.pages.append(page)
            collect(page, after_choice=name in ACTIONS)
            if discover:
                queue += _same_origin(browser.links(), origin, record.pages + queue)
    for extra in own_hosts:
        if extra not in record.banner_hosts:
            record.banner_hosts.append(extra)
    record.cookies = sorted(seen_cookies.values(), key=lambda c: (c.name, c.domain, c.path))
    record.storage = sorted(seen_storage.values(), key=lambda s: (s.area, s.key))
    return record


def _same_origin(links: list[str], origin: tuple, known: list[str]) -> list[str]:
    found = []
    for link in links:
        parts = urlsplit(link)
        if (parts.scheme, parts.netloc) != origin or _NOT_A_PAGE.search(parts.path):
            continue
        if link not in known and link not in found:
            found.append(link)
    return found
