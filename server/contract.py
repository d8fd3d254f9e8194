"""The consent event, defined once: its fields, their types and patterns, what the browser
sends, what is stored, what the receipt signs, what is exported, and the error answer.

Everything else derives from this module: the validator (payload.py compiles `event_schema`),
the table (tables.py), the CSV and JSON Lines columns (formats.py), the OpenAPI description
(openapi.py) and the receipt. tests/test_server_contract.py fails when the migrated table and
this contract disagree.

Patterns are whole-value patterns (`^…$`); the compiled validator treats `$` as the end of the
text, and payload.py refuses every control character (a final newline included) beforehand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from consent_ids import HEX32
from release_ids import RELEASE_ID
from site_names import SITE_ID_MAX_LENGTH, SITE_ID_PATTERN

# ISO 8601 date and time with seconds, optional fraction, and Z or an offset; ASCII digits
# only (`\d` would also take other scripts' digits), each part in its range.
ISO_TIME = (r"^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
            r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
# The one text form of a time in receipts, answers and exports (see `iso`).
UTC_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"
# A host as browsers serialise it: ASCII (IDN hosts come as punycode), a name or a bracketed
# IPv6 address, then an optional port.
_HOST = r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?"
# An http(s) URL as `location.href` gives it; credentials are allowed in, never stored.
PAGE_URL = rf"^https?://([^\s/?#@]*@)?{_HOST}([/?#][^\s]*)?$"
# A serialised origin, as browsers send it in the Origin header.
ORIGIN = rf"^https?://{_HOST}$"
HEX64 = r"^[0-9a-f]{64}$"
ACTIONS = ("accept_all", "refuse_all", "custom", "withdraw")

# JSONB on PostgreSQL so that per-category rates can be queried later without a rewrite.
Choices = sa.JSON().with_variant(JSONB(), "postgresql")

_TIME = {"type": "string", "format": "date-time", "pattern": UTC_TIME}


def _site(manifest: dict) -> dict:
    return {"const": manifest["site"]}


def _revision(manifest: dict) -> dict:
    # Earlier revisions stay valid: a queued event may arrive after a policy change.
    return {"type": "integer", "minimum": 1, "maximum": manifest["revision"]}


def _choices(manifest: dict) -> dict:
    required = set(manifest["required"])
    return {"type": "object", "additionalProperties": False,
            "required": list(manifest["categories"]),
            "properties": {c: ({"const": True} if c in required else {"type": "boolean"})
                           for c in manifest["categories"]}}


def _language(manifest: dict) -> dict:
    return {"enum": list(manifest["languages"])}


@dataclass(frozen=True)
class Field:
    """One field of the consent event, from the browser's JSON to the stored column."""

    name: str
    column: sa.types.TypeEngine
    # JSON Schema of the value as shown (rights answers, exports, OpenAPI).
    shown: dict
    # JSON Schema of the value as the browser sends it, for one site's manifest; None: the
    # server sets it.
    sent: Callable[[dict], dict] | None = None
    nullable: bool = False
    # Part of the receipt's keyed hash. A nullable field is only when it has a value, so
    # that rows stored before it existed keep their receipts.
    signed: bool = True
    # The browser may leave it out (widgets built before the field existed): then null.
    optional: bool = False
    why: str = ""


def _fixed(schema: dict) -> Callable[[dict], dict]:
    return lambda _manifest: schema


_ID = {"type": "string", "pattern": HEX32}

# In export order: the CSV's columns are these, choices apart (one column per category).
FIELDS: tuple[Field, ...] = (
    Field("server_time", sa.DateTime(timezone=True), _TIME,
          why="When the server received it: the time that counts for retention."),
    Field("event_id", sa.String(32), _ID, _fixed(_ID),
          why="The widget's random id of this event; the same event sent twice is one row."),
    Field("consent_id", sa.String(32), _ID, _fixed(_ID),
          why="The widget's random id of the visitor's consent: the key of their rights."),
    Field("site", sa.String(64), {"type": "string", "pattern": SITE_ID_PATTERN,
                                   "maxLength": SITE_ID_MAX_LENGTH}, _site),
    Field("revision", sa.Integer(), {"type": "integer", "minimum": 1}, _revision,
          why="The policy revision the visitor saw."),
    Field("release", sa.String(64),
          {"anyOf": [{"type": "string", "pattern": RELEASE_ID}, {"type": "null"}],
           "description": "The release (content hash) whose texts the visitor was shown."},
          _fixed({"type": "string", "pattern": RELEASE_ID}), nullable=True, optional=True,
          why="What the visitor was shown: the release's texts and screenshots are kept "
              "as long as an event names it. Null for events sent before releases existed."),
    Field("action", sa.String(16), {"enum": list(ACTIONS)}, _fixed({"enum": list(ACTIONS)})),
    Field("choices", Choices,
          {"type": "object", "additionalProperties": {"type": "boolean"},
           "description": "One boolean per category id of the site (all of them)."},
          _choices),
    Field("language", sa.String(16), {"type": "string"}, _language),
    Field("page_url", sa.String(2048), {"type": "string"},
          _fixed({"type": "string", "maxLength": 2048, "pattern": PAGE_URL}),
          why="Stored without credentials, query string or fragment: those can name a person."),
    Field("gpc", sa.Boolean(), {"type": "boolean"}, _fixed({"type": "boolean"}),
          why="Global Privacy Control was on in the visitor's browser."),
    Field("client_time", sa.DateTime(timezone=True), {"anyOf": [_TIME, {"type": "null"}]},
          _fixed({"type": "string", "maxLength": 40, "pattern": ISO_TIME}), nullable=True,
          signed=False, why="What the browser's clock said: evidence only, never trusted."),
    Field("user_agent", sa.String(512), {"type": "string"}, signed=False),
    Field("ip_pseudonym", sa.String(32),
          {"type": "string", "pattern": "^[0-9a-f]{32}$",
           "description": "Keyed hash of the IPv4 /24 or IPv6 /48."},
          signed=False, why="The full address is never stored."),
    Field("receipt", sa.String(64),
          {"type": "string", "pattern": HEX64,
           "description": "HMAC-SHA256 of the recorded event."},
          signed=False, why="Stored so that a replay gets the same receipt back."),
    Field("signature", sa.Text(), {"anyOf": [
        {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"},
        {"type": "null"}],
        "description": "Compact JWS (RFC 7515, alg EdDSA, kid header) whose payload is the "
                       "recorded event as RFC 8785 canonical JSON; its key is in "
                       "/.well-known/jwks.json. Null for events recorded before signing."},
          nullable=True, signed=False,
          why="Anyone can check it offline with the published public key."),
)
BY_NAME = {f.name: f for f in FIELDS}
# What the browser sends, in the order errors are looked for.
SENT = tuple(f.name for f in sorted((f for f in FIELDS if f.sent), key=lambda f: (
    f.name != "site", FIELDS.index(f))))
# What a replay must repeat for its stored receipt to be handed back: everything the
# visitor's browser sent (how it reached us, user agent and network, may change).
SAME_EVENT = tuple(name for name in SENT if name != "event_id")
SIGNED = tuple(f.name for f in FIELDS if f.signed)
# The CSV's columns before the per-category ones.
EXPORTED = tuple(f.name for f in FIELDS if f.name != "choices")
# The 201's body: the visitor's proof.
RECEIPT = ("event_id", "consent_id", "server_time", "receipt", "signature")
# What the JWS signature's payload holds: the whole recorded event, but for its two proofs.
STATED = tuple(f.name for f in FIELDS if f.name not in ("receipt", "signature"))
# What a signed webhook tells the site's back end of an event (server/webhooks): the event as
# recorded, with its receipt and signature, less what describes the visitor's device and network.
WEBHOOK = tuple(f.name for f in FIELDS if f.name not in ("user_agent", "ip_pseudonym"))


def event_schema(manifest: dict) -> dict:
    """What one site's build allows, as JSON Schema (draft 2020-12, also valid draft 7)."""
    categories, required = manifest["categories"], set(manifest["required"])

    def all_choices(value: bool) -> dict:
        return {c: {"const": value or c in required} for c in categories}

    def when(action: str, value: bool, **also) -> dict:
        # accept_all with a refused category (or refuse_all with a granted one) is not proof
        # of anything: the record must say what the visitor did.
        condition = {"action": {"const": action}, **{k: {"const": v} for k, v in also.items()}}
        return {"if": {"properties": condition, "required": list(condition)},
                "then": {"properties": {"choices": {"properties": all_choices(value)}}}}

    return {
        "title": f"Consent event for site {manifest['site']}",
        "type": "object",
        "additionalProperties": False,
        "required": [name for name in SENT if not BY_NAME[name].optional],
        "properties": {name: BY_NAME[name].sent(manifest) for name in SENT},
        # Under Global Privacy Control the widget's "accept all" leaves the advertising
        # categories off: the choices are then recorded as they are, with gpc true.
        "allOf": [when("accept_all", True, gpc=False), when("refuse_all", False)],
    }


def stored_schema() -> dict:
    """A stored event as the rights endpoint shows it."""
    return {"type": "object", "additionalProperties": False,
            "required": [f.name for f in FIELDS],
            "properties": {f.name: f.shown for f in FIELDS}}


def receipt_schema() -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(RECEIPT),
            "properties": {name: BY_NAME[name].shown for name in RECEIPT}}


def iso(moment: datetime | None) -> str | None:
    """UTC, microseconds, `Z`: the one text form of a time in receipts and exports."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        # SQLite hands back what was written, in UTC, without the zone.
        moment = moment.replace(tzinfo=UTC)
    # isoformat pads the year to 4 digits; in UTC it ends with "+00:00".
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def shown(row: dict) -> dict:
    """A stored row as JSON: every field of the contract, times as text."""
    out = {f.name: row[f.name] for f in FIELDS}
    for name in ("server_time", "client_time"):
        out[name] = iso(row[name])
    return out


# Made once: json.dumps with arguments builds an encoder per call (it is on the POST).
_SORTED_COMPACT = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_SIGNED_NULLABLE = frozenset(name for name in SIGNED if BY_NAME[name].nullable)


def receipt(row: dict, key: bytes) -> str:
    """A keyed hash of what was recorded: the visitor can show it, only the server can make it."""
    signed = {name: row[name] for name in SIGNED
              if not (name in _SIGNED_NULLABLE and row.get(name) is None)}
    signed["server_time"] = iso(row["server_time"])
    text = _SORTED_COMPACT.encode(signed)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def statement(row: dict) -> dict:
    """The recorded event as the JWS signs it (and the Merkle log hashes it): every stored
    field but the proofs, times as text, null fields left out: a nullable field added later
    leaves the events recorded before it as they were signed. Canonicalised by
    server/signing.py (RFC 8785)."""
    out = {name: row[name] for name in STATED if row.get(name) is not None}
    for name in ("server_time", "client_time"):
        if name in out:
            out[name] = iso(row[name])
    return out


def receipt_answer(row: dict) -> dict:
    return {name: (iso(row[name]) if name == "server_time" else row[name]) for name in RECEIPT}


# The one error answer of every endpoint (and of nginx's own, server/nginx.py).
ERROR = {
    "type": "object", "additionalProperties": False, "required": ["error", "field"],
    "properties": {"error": {"type": "string", "description": "What is wrong."},
                   "field": {"type": ["string", "null"],
                             "description": "The field at fault (a.b for nested), or null."}},
}


def error_body(message: str, field: str | None = None) -> dict:
    return {"error": message, "field": field}


# The words of a 413, the app's and its proxy's (server/nginx.py).
BODY_OVER = "body over {cap} bytes"
