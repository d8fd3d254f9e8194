"""The consent event a widget sends: its JSON schema, derived from the build's manifest, and
the one error a bad body gets back (`{"error": ..., "field": ...}`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jsonschema import Draft202012Validator

from .tables import ACTIONS

# Consent and event ids: 128 random bits as 32 lower-case hex digits.
HEX32 = "^[0-9a-f]{32}$"
# ISO 8601 date and time with seconds, optional fraction, and Z or an offset.
ISO_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
FIELDS = ("site", "revision", "consent_id", "event_id", "action", "choices", "language",
          "page_url", "gpc", "client_time")


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
            "page_url": {"type": "string", "maxLength": 2048, "pattern": "^https?://[^\\s]+$"},
            "gpc": {"type": "boolean"},
            "client_time": {"type": "string", "maxLength": 40, "pattern": ISO_TIME},
        },
        # Under Global Privacy Control the widget's "accept all" leaves the advertising
        # categories off: the choices are then recorded as they are, with gpc true.
        "allOf": [when("accept_all", True, gpc=False), when("refuse_all", False)],
    }


def validator(manifest: dict) -> Draft202012Validator:
    schema = event_schema(manifest)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _no_duplicates(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            # Two values for one field: which one did the visitor mean? Refuse both.
            raise PayloadError("field given twice", key)
    return dict(pairs)


def parse(raw: bytes) -> dict:
    """The body as a JSON object; PayloadError when it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8") from None
    try:
        body = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise PayloadError(f"body is not JSON: {error.msg} at character {error.pos}") from None
    if not isinstance(body, dict):
        raise PayloadError("body must be a JSON object")
    return body


def _field(path) -> str | None:
    return ".".join(str(p) for p in path) or None


def check(body: dict, check_against: Draft202012Validator) -> datetime:
    """Raise PayloadError naming the first wrong field; return client_time as UTC."""
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
    try:
        client_time = datetime.fromisoformat(body["client_time"].replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError("not a valid date and time", "client_time") from None
    return client_time.astimezone(UTC)
