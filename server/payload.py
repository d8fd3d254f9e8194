"""The boundary of the consent endpoint: any body becomes either a normalised event or the one
error a bad body gets back (`{"error": ..., "field": ...}`, contract.error_body).

The event's JSON Schema comes from the contract (contract.event_schema); it is compiled once per
site into Python code (fastjsonschema), not walked per request.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import fastjsonschema

from consent_ids import matches_whole  # noqa: F401 - re-exported for the routes

from . import contract

# An event is an object of fields, one of which (choices) is an object: deeper is not ours.
MAX_DEPTH = 3
# client_time must fit the database and the API's 4-digit years, in UTC.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
# NUL (PostgreSQL refuses it), other control characters, and lone surrogates (not encodable
# as UTF-8): never part of a field the widget sends, in any text field or key.
_BAD_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Fields whose JSON Schema type is integer: JSON Schema counts 1.0 as one, but the receipt
# would then hash "1.0" while the database keeps 1.
_INTEGERS = tuple(f.name for f in contract.FIELDS if f.shown.get("type") == "integer")


class PayloadError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


class Validator:
    """One site's event schema, compiled."""

    def __init__(self, manifest: dict):
        self.schema = contract.event_schema(manifest)
        self.categories = list(manifest["categories"])
        self.check = fastjsonschema.compile(self.schema)


def _no_duplicates(pairs: list) -> dict:
    found = dict(pairs)
    if len(found) < len(pairs):
        keys = [k for k, _ in pairs]
        # Two values for one field: which one did the visitor mean? Refuse both.
        raise PayloadError("field given twice", next(k for k in keys if keys.count(k) > 1))
    return found


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
    # Most bodies hold no escape and no C1 character anywhere: then no key or string can hold
    # what _walk looks for (JSON refuses raw control characters, UTF-8 lone surrogates), and
    # only a deep nesting is left, which _walk then names.
    if "\\" in text or not _clean(text) or not _shallow(body):
        _walk(body)
    return body


def _clean(text: str) -> bool:
    # Printable ASCII (what the widget sends) is told at C speed, before any regular expression.
    return (text.isascii() and text.isprintable()) or _BAD_TEXT.search(text) is None


def _shallow(body: dict) -> bool:
    """No container within a container within the body (the event's deepest is choices)."""
    for value in body.values():
        if isinstance(value, (dict, list)):  # a tuple: `dict | list` is built at each call
            for item in value.values() if isinstance(value, dict) else value:
                if isinstance(item, (dict, list)):
                    return False
    return True


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


def check(body: dict, site: Validator) -> dict:
    """Raise PayloadError naming the first wrong field; return the normalised event."""
    try:
        site.check(body)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _refusal(body, error) from None
    for name in _INTEGERS:
        if type(body[name]) is not int:
            raise PayloadError("invalid value: must be an integer", name)
    event = {name: body.get(name) for name in contract.SENT}
    event["choices"] = {c: body["choices"][c] for c in site.categories}
    event["page_url"] = page_url(body["page_url"])
    event["client_time"] = client_time(body["client_time"])
    return event


def _refusal(body: dict, error: fastjsonschema.JsonSchemaValueException) -> PayloadError:
    """The validator's first finding as the API's error: what is wrong, and which field."""
    path = list(error.path[1:])  # the validator names the whole body "data"
    if error.rule == "required":
        missing = [name for name in error.rule_definition if name not in error.value]
        return PayloadError("missing field", _field(path + missing[:1]))
    if error.rule == "additionalProperties":
        known = error.definition.get("properties", {})
        unknown = sorted(name for name in error.value if name not in known)
        return PayloadError("unknown field", _field(path + unknown[:1]))
    if path == ["site"]:
        return PayloadError("unknown site", "site")
    if path[:1] == ["choices"] and error.rule == "const":
        return PayloadError(f"must be {json.dumps(error.rule_definition)} for "
                            f"{body.get('action')!r} or a required category", _field(path))
    message = error.message.removeprefix("data.").removeprefix(".".join(path)).strip()
    return PayloadError(f"invalid value: {message}", _field(path))
