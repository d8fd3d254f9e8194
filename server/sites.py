"""The sites this server logs for: each built manifest in CONSENT_DIST_DIR with its owner's
settings, read once and looked at again at most once a second (build.py may rewrite them)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from site_names import is_site_id

from .config import for_site
from .payload import Validator

# How stale the registry may be: a rebuilt manifest or a new site is seen within a second,
# and no request pays for a look at the disk.
FRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Site:
    id: str
    manifest: dict
    validator: Validator
    origins: tuple[str, ...] = ()
    retention: tuple[int, str] = (7, "y")
    erasure: bool = True


class Registry:
    def __init__(self, config: dict):
        self.config = config
        self.lock = threading.Lock()
        # site id -> (manifest mtime, when last looked at, Site)
        self.cache: dict[str, tuple[int, float, Site]] = {}
        self.listed: tuple[float, list[str], frozenset[str]] = (-FRESH_SECONDS, [], frozenset())

    def get(self, site_id) -> Site | None:
        if not is_site_id(site_id):
            return None
        now = time.monotonic()
        cached = self.cache.get(site_id)
        if cached and now - cached[1] < FRESH_SECONDS:
            return cached[2]
        path = Path(self.config["CONSENT_DIST_DIR"]) / site_id / "manifest.json"
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            self.cache.pop(site_id, None)
            return None
        if cached and cached[0] == stamp:
            self.cache[site_id] = (stamp, now, cached[2])
            return cached[2]
        with self.lock:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            config = self.config
            site = Site(id=site_id, manifest=manifest, validator=Validator(manifest),
                        origins=for_site(config, "CONSENT_ORIGINS", site_id),
                        retention=for_site(config, "CONSENT_RETENTION", site_id),
                        erasure=for_site(config, "CONSENT_ERASURE", site_id))
            self.cache[site_id] = (stamp, now, site)
        return site

    def _listing(self) -> tuple[list[str], frozenset[str]]:
        checked, names, origins = self.listed
        if time.monotonic() - checked >= FRESH_SECONDS:
            root = Path(self.config["CONSENT_DIST_DIR"])
            names = sorted(p.parent.name for p in root.glob("*/manifest.json"))
            origins = frozenset(o for site in map(self.get, names) if site for o in site.origins)
            self.listed = (time.monotonic(), names, origins)
        return names, origins

    def all(self) -> list[Site]:
        return [site for site in map(self.get, self._listing()[0]) if site is not None]

    def any_origin(self, origin: str) -> bool:
        return origin in self._listing()[1]


def registry() -> Registry:
    return current_app.extensions["consent_sites"]


def keeping_site(site_ids: list[str]) -> str | None:
    """The first of these sites whose owner keeps records rather than erase them on request
    (CONSENT_ERASURE, or a site no longer built): one such site and nothing is erased. The
    API and the owner's rights inbox both ask this."""
    for site_id in site_ids:
        site = registry().get(site_id)
        if site is None or not site.erasure:
            return site_id
    return None
