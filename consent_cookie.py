"""The banner's choice, read on a site's own server: leave out of a server-rendered page what
the visitor refused, before any script runs.

    from consent_cookie import Policy

    policy = Policy.from_manifest("dist/kppay/manifest.json")  # once, at start
    choice = policy.read(request.cookies)                      # Flask; Django: request.COOKIES
    if choice.granted("performance"):
        ...                                                    # render the analytics tag

It reads the cookie as the widget does (banner_src/js/consent.js): a choice counts only with a
well-formed consent id and choices, the site's current revision, and within the site's
lifetime; otherwise there is no choice yet, and only the required categories are granted (what
the widget runs before a choice). Stricter than the widget on one point: a category is granted
by `true` only, not by any truthy value a hand-edited cookie could hold. No dependency: the
standard library only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

_CONSENT_ID = re.compile(r"[0-9a-f]{32}")
# The characters of the cookie's value: encodeURIComponent's (banner_src/js/consent.js).
_URI_ENCODED = re.compile(r"[A-Za-z0-9\-_.!~*'()%]+")
# What the choice holds: these keys of the cookie's JSON, which also open every event the
# widget sends about it (banner_src/js/send.js).
CHOICE_KEYS = ("consent_id", "revision", "client_time", "choices")


def stored_choice(value: str | None) -> dict | None:
    """The choice a cookie's value holds (CHOICE_KEYS), or None unless it is as the widget
    writes it: (URI-encoded) JSON with a consent id, an integer revision, a time with its
    zone and an object of choices. Never raises on what a client sent."""
    try:
        stored = json.loads(unquote(value or ""))
        consent_id, choices, revision = stored["consent_id"], stored["choices"], stored["revision"]
        made = datetime.fromisoformat(stored["client_time"].replace("Z", "+00:00"))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    if (not isinstance(consent_id, str) or not _CONSENT_ID.fullmatch(consent_id)
            or not isinstance(choices, dict) or type(revision) is not int
            or made.tzinfo is None):
        return None
    return {key: stored[key] for key in CHOICE_KEYS}


def holds(value: str | None, event: Mapping) -> bool:
    """Whether a cookie's value is the choice this event announces (same consent id,
    revision, time and choices, JSON types included: `true` is not `1`), written as the
    widget writes it (URI-encoded: a value that can be sent back in a Set-Cookie as it is)."""
    stored = stored_choice(value) if value and _URI_ENCODED.fullmatch(value) else None
    return stored is not None and _canonical(stored) == _canonical(
        {key: event.get(key) for key in CHOICE_KEYS})


def _canonical(choice: dict) -> str:
    return json.dumps(choice, sort_keys=True)


@dataclass(frozen=True)
class Choice:
    """One visitor's standing choice; `consent_id` is None when they have made none (yet)."""

    required: frozenset[str]
    choices: Mapping[str, bool] = field(default_factory=dict)
    consent_id: str | None = None

    def granted(self, category: str) -> bool:
        """As the widget's `ConsentBanner.granted`: a required category always, another only
        when the visitor's standing choice grants it."""
        return category in self.required or self.choices.get(category) is True


@dataclass(frozen=True)
class Policy:
    """What a site's build says of its cookie: its name, the revision, how long a choice holds
    and the categories that need no consent."""

    cookie_name: str
    revision: int
    lifetime_days: int
    required: frozenset[str]

    @classmethod
    def from_manifest(cls, path: str | Path) -> Policy:
        """From the site's `dist/<site>/manifest.json` (python build.py writes it)."""
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(cookie_name=manifest["cookie_name"], revision=manifest["revision"],
                   lifetime_days=manifest["lifetime_days"],
                   required=frozenset(manifest["required"]))

    def read(self, cookies: Mapping[str, str], now: datetime | None = None) -> Choice:
        """The visitor's choice from the request's cookies; never raises on what a client
        sent (a missing, stale or malformed cookie is no choice)."""
        none = Choice(self.required)
        stored = stored_choice(cookies.get(self.cookie_name))
        if stored is None or stored["revision"] != self.revision:
            return none
        made = datetime.fromisoformat(stored["client_time"].replace("Z", "+00:00"))
        if (now or datetime.now(UTC)) - made >= timedelta(days=self.lifetime_days):
            return none  # expired: the banner asks again
        return Choice(self.required, {k: v is True for k, v in stored["choices"].items()},
                      stored["consent_id"])
