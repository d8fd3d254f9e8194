"""The consent event a widget sends: its JSON schema, derived from the build's manifest, and
the boundary that turns any body into either a normalised event or the one error a bad body
gets back (`{"error": ..., "field": ...}`).

Every pattern here is a whole-value pattern: the validator applies it with `re.fullmatch`
(JSON Schema's `pattern` is a search, and Python's `$` also matches before a final newline).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, ValidationError, validators

from .tables import ACTIONS

# Consent and event ids: 128 random bits as 32 lower-case hex digits.
HEX32 = "^[0-9a-f]{32}$"
# ISO 8601 date and time with seconds, optional fraction, and Z or an offset; ASCII digits
# only (`\d` would also take other scripts' digits), each part in its range.
ISO_TIME = (r"^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
            r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
# A host as browsers serialise it: ASCII (IDN hosts come as punycode), a name or a bracketed
# IPv6 address, then an optional port.
_HOST = r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?"
# An http(s) URL as `location.href` gives it; credentials are allowed in, never stored.
PAGE_URL = rf"^https?://([^\s/?#@]*@)?{_HOST}([/?#][^\s]*)?$"
# A serialised origin, as browsers send it in the Origin header.
ORIGIN = rf"^https?://{_HOST}$"
FIELDS = ("site", "revision", "consent_id", "event_id", "action", "choices", "language",
          "page_url", "gpc", "client_time")
# An event is an object of fields, one of which (choices) is an object: deeper is not ours.
MAX_DEPTH = 3
# client_time must fit the database and the API's 4-digit years, in UTC.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
# NUL (PostgreSQL refuses it), other control characters, and lone surrogates (not encodable
# as UTF-8): never part of a field the widget sends, in any text field or key.
_BAD_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class PayloadError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def event_schema(manifest: dict) -> dict:
    """What site.toml allows, as JSON Schema: known site, revision, categories, languages."""
    categories, required = manifest["categories"], set(manifest["required"])
    choice = {c: ({"const": True} if c in required else {"type": "boolean"}) for c in categories}

    def all_choices(value: bool) -> dict:
        return {c: {"const": value or c in required} for c in categories}

    def when(action: str, value: bool, **also) -> dict:
        # accept_all with a refused category (or refuse_all with a granted one) is not proof
        # of anything: the record must say what the visitor did.
        condition = {"action": {"const": action}, **{k: {"const": v} for k, v in also.items()}}
        return {"if": {"properties": condition, "required": list(condition)},
                "then": {"properties": {"choices": {"properties": all_choices(value)}}}}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Consent event for site {manifest['site']}",
        "type": "object",
        "additionalProperties": False,
        "required": list(FIELDS),
        "properties": {
            "site": {"const": manifest["site"]},
            # Earlier revisions stay valid: a queued event may arrive after a policy change.
            "revision": {"type": "integer", "minimum": 1, "maximum": manifest["revision"]},
            "consent_id": {"type": "string", "pattern": HEX32},
            "event_id": {"type": "string", "pattern": HEX32},
            "action": {"enum": list(ACTIONS)},
            "choices": {"type": "object", "additionalProperties": False,
                        "required": list(categories), "properties": choice},
            "language": {"enum": list(manifest["languages"])},
            "page_url": {"type": "string", "maxLength": 2048, "pattern": PAGE_URL},
            "gpc": {"type": "boolean"},
            "client_time": {"type": "string", "maxLength": 40, "pattern": ISO_TIME},
        },
        # Under Global Privacy Control the widget's "accept all" leaves the advertising
        # categories off: the choices are then recorded as they are, with gpc true.
        "allOf": [when("accept_all", True, gpc=False), when("refuse_all", False)],
    }


def _whole_pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not re.fullmatch(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _integer(_checker, instance) -> bool:
    # JSON Schema counts 1.0 as an integer; the receipt would then hash "1.0" while the
    # database keeps 1, and the stored row could no longer be checked against it.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator, validators={"pattern": _whole_pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _integer))


def validator(manifest: dict) -> Draft202012Validator:
    schema = event_schema(manifest)
    Draft202012Validator.check_schema(schema)
    return _Validator(schema)


def whole_match(pattern: str, text) -> bool:
    """`text` is a string that `pattern` matches from its first character to its last."""
    return isinstance(text, str) and re.fullmatch(pattern, text) is not None


def _no_duplicates(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            # Two values for one field: which one did the visitor mean? Refuse both.
            raise PayloadError("field given twice", key)
    return dict(pairs)


def _no_constant(name: str):
    raise PayloadError(f"body is not JSON: {name} is not a JSON number")


def _field(path) -> str | None:
    return ".".join(str(p) for p in path) or None


def _walk(body: dict) -> None:
    """Bounded nesting, and clean text in every key and string, checked once for all fields."""
    stack = [(body, [], 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise PayloadError(f"nested deeper than {MAX_DEPTH} levels", _field(path))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _BAD_TEXT.search(key):
                    raise PayloadError("a field name holds a control character or an "
                                       "unpaired surrogate", _field(path) or None)
                stack.append((item, path + [key], depth + 1))
        elif isinstance(value, str) and _BAD_TEXT.search(value):
            raise PayloadError("text holds a control character (NUL included) or an unpaired "
                               "surrogate", _field(path))


def parse(raw: bytes) -> dict:
    """The body as a JSON object of bounded depth and clean text; PayloadError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8") from None
    try:
        body = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise PayloadError(f"body is not JSON: {error.msg} at character {error.pos}") from None
    except RecursionError:
        raise PayloadError(f"body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # an integer of more digits than Python converts
        raise PayloadError("body is not JSON: a number is too long") from None
    if not isinstance(body, dict):
        raise PayloadError("body must be a JSON object")
    _walk(body)
    return body


def page_url(url: str) -> str:
    """Scheme, host, port and path only: credentials, a query string or a fragment can carry
    personal data. PayloadError when the URL cannot be read."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise PayloadError(f"not a URL: {error}", "page_url") from None
    if not host:
        raise PayloadError("not a URL: no host", "page_url")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path}"


def client_time(text: str) -> datetime:
    """The browser's clock in UTC, within what the database and the API can show."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise PayloadError("not a valid date and time", "client_time") from None
    if not EARLIEST <= moment <= LATEST:
        raise PayloadError(f"out of range: expected {EARLIEST.year} to {LATEST.year} in UTC",
                           "client_time")
    return moment


def check(body: dict, check_against: Draft202012Validator) -> dict:
    """Raise PayloadError naming the first wrong field; return the normalised event."""
    categories = check_against.schema["properties"]["choices"]["required"]

    def order(found) -> tuple:
        # The shallowest problem first, then in the order of the contract's fields and of the
        # site's categories, so that one body always gets the same answer.
        path = list(found.absolute_path)
        names = [FIELDS, categories]
        return (len(path), [names[i].index(p) if i < 2 and p in names[i] else 99
                            for i, p in enumerate(path)])

    error = min(check_against.iter_errors(body), key=order, default=None)
    if error is not None:
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            raise PayloadError("missing field", _field(path + missing[:1]))
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            unknown = sorted(name for name in error.instance if name not in known)
            raise PayloadError("unknown field", _field(path + unknown[:1]))
        if path == ["site"]:
            raise PayloadError("unknown site", "site")
        if path and path[0] == "choices" and error.validator == "const":
            raise PayloadError(f"must be {json.dumps(error.validator_value)} for "
                               f"{body.get('action')!r} or a required category", _field(path))
        raise PayloadError(f"invalid value: {error.message}", _field(path))
    event = {name: body[name] for name in FIELDS}
    event["choices"] = {c: body["choices"][c] for c in categories}
    event["page_url"] = page_url(body["page_url"])
    event["client_time"] = client_time(body["client_time"])
    return event
