"""What a site declares in its site.toml, asked the audit's way: which category a cookie, a
storage key or a third-party host belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from consent_build.site_config import SiteConfig

from . import ocd

# The banner's own storage: the choice cookie (site.cookie_name), its language key
# (`<cookie_name>.lang`) and its queue of unsent choices (QUEUE_KEY in banner_src/js/const.js).
# It is what makes consent possible, so it is the required category's even where undeclared.
BANNER_QUEUE_KEY = "consent_banner_queue"
# Words of a service's name that say nothing about where it is served from.
_GENERIC = {"the", "and", "inc", "ltd", "corp", "platforms", "com", "www"}


@dataclass(frozen=True)
class Declaration:
    """One declared cookie name or `prefix*` pattern, with where it was declared."""

    pattern: str
    category: str
    duration: str
    service: str | None = None  # the service that declares it, if any

    def matches(self, name: str) -> bool:
        if self.pattern.endswith("*"):
            return name.startswith(self.pattern[:-1])
        return name == self.pattern


@dataclass
class Service:
    name: str
    category: str
    hosts: list[str]  # its own `hosts`, else guessed (see service_hosts)
    guessed: bool


@dataclass
class Declarations:
    site_id: str
    cookie_name: str
    categories: list[dict]
    required: set[str]
    cookies: list[Declaration] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)

    @property
    def optional(self) -> set[str]:
        """The categories a visitor may refuse."""
        return {c["id"] for c in self.categories} - self.required

    @property
    def required_category(self) -> str:
        return next(c["id"] for c in self.categories if c["required"])

    def declaration(self, name: str) -> Declaration | None:
        """The declaration that covers a cookie or storage key name: an exact name first."""
        exact = [d for d in self.cookies if d.pattern == name]
        return exact[0] if exact else next((d for d in self.cookies if d.matches(name)), None)

    def is_banners_own(self, name: str) -> bool:
        return (name in (self.cookie_name, BANNER_QUEUE_KEY)
                or name.startswith(self.cookie_name + "."))

    def category_of(self, name: str) -> str | None:
        """The category of a cookie or storage key; None when nothing declares it."""
        found = self.declaration(name)
        if found:
            return found.category
        return self.required_category if self.is_banners_own(name) else None

    def service_of_host(self, host: str) -> Service | None:
        return next((s for s in self.services if _host_matches(host, s.hosts)), None)


def from_site(config: SiteConfig) -> Declarations:
    categories = config.categories
    found = Declarations(site_id=config.site["id"], cookie_name=config.site["cookie_name"],
                         categories=categories,
                         required={c["id"] for c in categories if c["required"]})
    for category in categories:
        for cookie in category["cookies"]:
            found.cookies.append(Declaration(cookie["name"], category["id"], cookie["duration"]))
        for service in category["services"]:
            for name in service["cookies"]:
                found.cookies.append(Declaration(name, category["id"], service["duration"],
                                                 service["name"]))
            hosts, guessed = service_hosts(service)
            found.services.append(Service(service["name"], category["id"], hosts, guessed))
    return found


def service_hosts(service: dict) -> tuple[list[str], bool]:
    """A service's hosts: its `hosts` list when site.toml gives one; else a guess from its
    name's words ("LinkedIn" -> any host with a "linkedin" label) and the hosts the Open Cookie
    Database gives for its cookies (fr, _fbp -> facebook.com). Returns (hosts, guessed)."""
    if service.get("hosts"):
        return [h.lower().lstrip(".") for h in service["hosts"]], False
    words = {w for w in re.split(r"[^a-z0-9]+", service["name"].lower())
             if len(w) >= 3 and w not in _GENERIC}
    plain = [name for name in service["cookies"] if not name.endswith("*")]
    return sorted(ocd.domains(plain)) + sorted(f"*{w}*" for w in words), True


def _host_matches(host: str, hosts: list[str]) -> bool:
    """`example.com` covers itself and its subdomains; `*word*` a host with that label."""
    host = host.lower()
    labels = host.split(".")[:-1] or [host]  # the top-level domain names no one
    for pattern in hosts:
        if pattern.startswith("*") and pattern.endswith("*"):
            if pattern[1:-1] in labels:
                return True
        elif host == pattern or host.endswith("." + pattern):
            return True
    return False
