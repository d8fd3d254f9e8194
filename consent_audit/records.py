"""What one pass of the audit saw: cookies, storage keys, requests to other hosts, pages."""

from __future__ import annotations

from dataclasses import dataclass, field

# The three passes, in the order they run, with the words reports use for them.
PASSES = {
    "before": "before consent",
    "refused": "after refusal",
    "accepted": "after acceptance",
}


@dataclass
class Cookie:
    """A cookie as the DevTools protocol reports it (Network.getAllCookies)."""

    name: str
    domain: str
    path: str
    expires: float | None  # seconds since the epoch; None for a session cookie
    http_only: bool
    secure: bool
    same_site: str | None
    size: int
    seen_at: float  # when it was read: its remaining lifetime is expires - seen_at
    page: str  # the page open when it was first read

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.domain, self.path)

    @property
    def lifetime(self) -> float | None:
        """Seconds left when seen; None for a session cookie."""
        return None if self.expires is None else max(0.0, self.expires - self.seen_at)


@dataclass
class StorageKey:
    area: str  # "localStorage" or "sessionStorage"
    origin: str
    key: str
    page: str


@dataclass
class Request:
    """A request to a host other than the site's own."""

    url: str
    host: str
    kind: str  # what was loaded: iframe, script, image, xhr, ...
    initiator: str  # how: "parser" (the page's HTML) or "script", with the initiator's URL
    page: str
    after_choice: bool  # made after the visitor's choice (passes "refused" and "accepted")


@dataclass
class PassRecord:
    name: str  # a key of PASSES
    pages: list[str] = field(default_factory=list)
    cookies: list[Cookie] = field(default_factory=list)
    storage: list[StorageKey] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    screenshot: bytes = b""  # PNG of the first page
    banner_hosts: list[str] = field(default_factory=list)  # where the banner itself came from
    notes: list[str] = field(default_factory=list)  # pages skipped, time bound reached, ...

    @property
    def label(self) -> str:
        return PASSES[self.name]
