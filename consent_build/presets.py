"""Presets for common services: `preset = "google-analytics-4"` in a service of site.toml.

One data file per service in consent_build/presets/, its source cited at its top: name,
provider, purpose (an English msgid, translated through the catalogs like any purpose),
cookies, duration, hosts and the Consent Mode signals its category should grant. Any field the
site file gives wins over the preset's, field by field. Presets are build-time data: a site's
bundle holds only the services it lists.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).with_name("presets")
# The fields a preset fills in a service; `consent_mode` goes to the service's category.
SERVICE_FIELDS = ("name", "provider", "purpose", "cookies", "duration", "hosts")


def preset_ids() -> list[str]:
    return sorted(path.stem for path in FOLDER.glob("*.toml"))


@cache
def load_preset(preset_id: str) -> dict:
    with (FOLDER / f"{preset_id}.toml").open("rb") as file:
        return tomllib.load(file)


def expand(categories: list[dict]) -> list[tuple[tuple, str]]:
    """Fill each service that names a preset, in place, and give its category the preset's
    Consent Mode signals; return the problems as (key path, message)."""
    problems = []
    mapped = {signal: category["id"] for category in categories
              for signal in category.get("consent_mode", [])}
    for i, category in enumerate(categories):
        for j, service in enumerate(category.get("services", [])):
            if "preset" not in service:
                continue
            preset = load_preset(service["preset"])
            given = dict(service)
            service.clear()
            service.update({key: preset[key] for key in SERVICE_FIELDS}, **given)
            for signal in preset["consent_mode"]:
                owner = mapped.setdefault(signal, category["id"])
                if owner != category["id"]:
                    problems.append((("categories", i, "services", j, "preset"),
                                     f"preset {service['preset']!r} grants the Consent Mode "
                                     f"signal {signal!r}, already mapped to category {owner!r}; "
                                     "list the service in that category"))
                elif signal not in category.setdefault("consent_mode", []):
                    category["consent_mode"].append(signal)
    return problems
