"""The sites this server logs for: each built manifest in DIST_DIR with its owner's settings."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from jsonschema import Draft202012Validator

from . import payload

SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass
class Site:
    id: str
    manifest: dict
    validator: Draft202012Validator
    origins: list[str] = field(default_factory=list)
    retention: tuple[int, str] = (7, "y")
    erasure: bool = True


class Registry:
    """Manifests read on first use and again when build.py rewrites them (mtime changes)."""

    def __init__(self, config: dict):
        self.config = config
        self.lock = threading.Lock()
        self.cache: dict[str, tuple[int, Site]] = {}

    def get(self, site_id) -> Site | None:
        if not isinstance(site_id, str) or not SITE_ID.match(site_id):
            return None
        path = Path(self.config["DIST_DIR"]) / site_id / "manifest.json"
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return None
        cached = self.cache.get(site_id)
        if cached and cached[0] == stamp:
            return cached[1]
        with self.lock:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            site = Site(
                id=site_id,
                manifest=manifest,
                validator=payload.validator(manifest),
                origins=self.config["ALLOWED_ORIGINS"].get(site_id, []),
                retention=self.config["RETENTION"].get(site_id, self.config["DEFAULT_RETENTION"]),
                erasure=self.config["ERASURE"].get(site_id, self.config["DEFAULT_ERASURE"]),
            )
            self.cache[site_id] = (stamp, site)
        return site

    def all(self) -> list[Site]:
        root = Path(self.config["DIST_DIR"])
        names = sorted(p.parent.name for p in root.glob("*/manifest.json"))
        return [site for site in map(self.get, names) if site is not None]

    def any_origin(self, origin: str) -> bool:
        return any(origin in site.origins for site in self.all())


def registry() -> Registry:
    return current_app.extensions["consent_sites"]
