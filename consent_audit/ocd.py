"""Guesses from the Open Cookie Database (data/, Apache 2.0; see data/SOURCE.md): what a cookie
that a site does not declare probably is."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DATABASE = Path(__file__).resolve().parent / "data" / "open-cookie-database.csv"

# The database's purpose categories, and the ids a site's categories may carry for each, in the
# order tried. "Necessary" and "Security" go to the site's required category.
CATEGORY_IDS = {
    "Analytics": ("performance", "analytics", "statistics", "measurement"),
    "Marketing": ("targeting", "advertising", "marketing", "ads"),
    "Functional": ("functionality", "functional", "preferences"),
    "Personalization": ("functionality", "personalization", "preferences"),
}
REQUIRED = ("Necessary", "Security")


@dataclass(frozen=True)
class Known:
    """One entry of the database."""

    name: str
    platform: str
    category: str  # the database's: Analytics, Marketing, Functional, ...
    domain: str  # where it is set, e.g. "facebook.com (3rd party)"; often empty
    description: str
    retention: str  # as the database words it: "2 years", "Session", ...
    controller: str
    wildcard: bool  # the name is a prefix: "_ga_" covers "_ga_ABC123"


@functools.cache
def entries() -> tuple[Known, ...]:
    with open(DATABASE, newline="", encoding="utf-8") as handle:
        return tuple(
            Known(name=row["Cookie / Data Key name"].strip(), platform=row["Platform"],
                  category=row["Category"], domain=row["Domain"],
                  description=" ".join(row["Description"].split()),
                  retention=row["Retention period"], controller=row["Data Controller"],
                  wildcard=row["Wildcard match"] == "1")
            for row in csv.DictReader(handle) if row["Cookie / Data Key name"].strip())


@functools.cache
def _index() -> tuple[dict[str, Known], dict[str, Known], list[Known]]:
    exact: dict[str, Known] = {}
    folded: dict[str, Known] = {}
    prefixes = []
    for known in entries():
        exact.setdefault(known.name, known)
        folded.setdefault(known.name.lower(), known)
        if known.wildcard:
            prefixes.append(known)
    prefixes.sort(key=lambda k: len(k.name), reverse=True)  # the most specific first
    return exact, folded, prefixes


def lookup(name: str) -> Known | None:
    """The entry for a cookie or storage key: exact name, then the longest wildcard prefix,
    then the name in any case."""
    exact, folded, prefixes = _index()
    if name in exact:
        return exact[name]
    for known in prefixes:
        if name.startswith(known.name):
            return known
    return folded.get(name.lower())


def site_category(known: Known, categories: list[dict]) -> str | None:
    """The id of the site's category that the entry's purpose fits, if the site has one."""
    ids = [c["id"] for c in categories]
    if known.category in REQUIRED:
        return next((c["id"] for c in categories if c["required"]), None)
    return next((i for i in CATEGORY_IDS.get(known.category, ()) if i in ids), None)


def domains(cookie_names: list[str]) -> set[str]:
    """The hosts the database says these cookies are set on ("facebook.com (3rd party)")."""
    found = set()
    for name in cookie_names:
        known = lookup(name)
        if known and known.domain:
            domain = known.domain.split("(")[0].strip().lstrip(".").lower()
            if domain and " " not in domain:
                found.add(domain)
    return found
