"""Presets for common services: `preset = "google-analytics-4"` in a site's service fills in its
name, provider, purpose, duration, cookies and hosts, and adds its Consent Mode signals to its
category; any key the site gives overrides the preset's. Each preset is a data file,
consent_build/presets/<id>.toml, citing its sources (the vendor's documentation and the Open
Cookie Database). Their purposes are English msgids, extracted into the catalogs with the
site files' texts, so that every preset reads in every language a site offers."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

FOLDER = Path(__file__).with_name("presets")
# What a preset fills in a service; the rest of its file says where it comes from.
SERVICE_KEYS = ("name", "provider", "purpose", "duration", "cookies", "hosts")


@functools.cache
def ids() -> tuple[str, ...]:
    """The presets' ids (their files do not change while the build runs)."""
    return tuple(sorted(path.stem for path in FOLDER.glob("*.toml")))


@functools.cache
def load(preset: str) -> dict:
    return tomllib.loads((FOLDER / f"{preset}.toml").read_text(encoding="utf-8"))


def resolve(categories: list) -> None:
    """Fill in, in place, every service of `categories` that names a known preset (the schema
    reports an unknown one), and add the preset's signals to its category's consent_mode."""
    for category in categories if isinstance(categories, list) else []:
        services = category.get("services") if isinstance(category, dict) else None
        for service in services if isinstance(services, list) else []:
            preset = service.get("preset") if isinstance(service, dict) else None
            if preset not in ids():
                continue
            found = load(preset)
            for key in SERVICE_KEYS:
                service.setdefault(key, found[key])
            signals = category.setdefault("consent_mode", [])
            if isinstance(signals, list):
                signals += [s for s in found["consent_mode"] if s not in signals]
