"""Cookie lifetimes: a declared duration ("13 months") in seconds, and a real one in words."""

from __future__ import annotations

import math

from consent_build.site_config import DURATION

DAY = 86400.0
# Calendar averages, so that "13 months" is 395.7 days and "1 year" 365.25.
UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "month": 365.25 / 12,
             "year": 365.25}
# A cookie read a moment after it was set, or set at midnight by a server that rounds: a day of
# slack before a real lifetime counts as longer than the declared one (for a duration under a
# day, a tenth of it and a minute at least: "30 minutes" must not pass for a day).
SLACK = DAY


def _slack(limit: float) -> float:
    return SLACK if limit >= DAY else max(60.0, limit / 10)


def declared_seconds(duration: str) -> float | None:
    """'13 months' -> seconds; 'session' -> None (gone when the browser closes)."""
    found = DURATION.match(duration)
    if not found or duration == "session":
        return None
    return int(found["num"]) * UNIT_DAYS[found["unit"]] * DAY


def exceeds(declared: str, lifetime: float | None) -> bool:
    """Whether a cookie living `lifetime` seconds (None: session) outlives `declared`."""
    limit = declared_seconds(declared)
    if lifetime is None:
        return False  # a session cookie outlives no declared duration
    return limit is None or lifetime > limit + _slack(limit)


def in_words(lifetime: float | None) -> str:
    """A duration site.toml accepts that covers `lifetime`: 'session', '30 days', '2 years'."""
    if lifetime is None:
        return "session"
    if lifetime < DAY * 0.95:  # a short cookie in minutes or hours, rounded up
        minutes = max(1, math.ceil(lifetime / 60))
        if minutes < 120:
            return f"{minutes} minute{'s' if minutes > 1 else ''}"
        return f"{math.ceil(minutes / 60)} hours"
    # Rounded up, less the slack `exceeds` allows, so that the words always cover the cookie.
    days = max(1, math.ceil((lifetime - SLACK) / DAY))
    if days <= 31:
        return f"{days} day{'s' if days > 1 else ''}"
    months = math.ceil((lifetime - SLACK) / DAY / UNIT_DAYS["month"])
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years > 1 else ''}"
    return f"{months} months"


def proposed(lifetime: float | None, retention: str) -> str:
    """The duration to declare: the lifetime seen, or the Open Cookie Database's retention when
    that is longer (Chromium cuts every cookie to 400 days, so "2 years" shows as 400 days)."""
    seen = in_words(lifetime)
    known = retention.strip().lower()
    if not DURATION.match(known) or known == "session":
        return seen
    if seen == "session" or declared_seconds(known) > declared_seconds(seen):
        return known
    return seen
