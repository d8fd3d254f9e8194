"""`GET /api/openapi.json`: the public API, described for clients and checked by the tests."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from . import payload
from .sites import registry
from .tables import ACTIONS

bp = Blueprint("openapi", __name__)

HEX32 = {"type": "string", "pattern": payload.HEX32}
TIME = {"type": "string", "format": "date-time",
        "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"}
CHOICES = {"type": "object", "additionalProperties": {"type": "boolean"},
           "description": "One boolean per category id of the site (all of them)."}

SCHEMAS = {
    "Error": {
        "type": "object", "additionalProperties": False, "required": ["error", "field"],
        "properties": {"error": {"type": "string", "description": "What is wrong."},
                       "field": {"type": ["string", "null"],
                                 "description": "The field at fault (a.b for nested), or null."}},
    },
    "Receipt": {
        "type": "object", "additionalProperties": False,
        "required": ["event_id", "consent_id", "server_time", "receipt"],
        "properties": {"event_id": HEX32, "consent_id": HEX32, "server_time": TIME,
                       "receipt": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                                   "description": "HMAC-SHA256 of the recorded event."}},
    },
    "StoredEvent": {
        "type": "object", "additionalProperties": False,
        "required": ["server_time", "event_id", "consent_id", "site", "revision", "action",
                     "choices", "language", "page_url", "gpc", "client_time", "user_agent",
                     "ip_pseudonym", "receipt"],
        "properties": {
            "server_time": TIME, "event_id": HEX32, "consent_id": HEX32,
            "site": {"type": "string"}, "revision": {"type": "integer"},
            "action": {"enum": list(ACTIONS)}, "choices": CHOICES,
            "language": {"type": "string"}, "page_url": {"type": "string"},
            "gpc": {"type": "boolean"}, "client_time": {"anyOf": [TIME, {"type": "null"}]},
            "user_agent": {"type": "string"},
            "ip_pseudonym": {"type": "string", "pattern": "^[0-9a-f]{32}$",
                             "description": "Keyed hash of the IPv4 /24 or IPv6 /48."},
            "receipt": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    },
    "History": {
        "type": "object", "additionalProperties": False, "required": ["consent_id", "events"],
        "properties": {"consent_id": HEX32,
                       "events": {"type": "array", "minItems": 1,
                                  "items": {"$ref": "#/components/schemas/StoredEvent"}}},
    },
    "Erased": {
        "type": "object", "additionalProperties": False, "required": ["consent_id", "deleted"],
        "properties": {"consent_id": HEX32, "deleted": {"type": "integer", "minimum": 1}},
    },
    "Health": {
        "type": "object", "additionalProperties": False, "required": ["status", "database"],
        "properties": {"status": {"const": "ok"}, "database": {"const": "ok"}},
    },
}


def _json(ref: str, description: str, headers: dict | None = None) -> dict:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def consent_event(sites) -> dict:
    """The event each served site accepts: its own schema, the one the server checks with."""
    schemas = [{k: v for k, v in payload.event_schema(site.manifest).items() if k != "$schema"}
               for site in sites]
    if len(schemas) == 1:
        return schemas[0]
    return {"type": "object", "anyOf": schemas}


def _errors(*codes: int) -> dict:
    why = {400: "Bad request: the field is named.", 403: "Forbidden; the error says why.",
           404: "Not found.", 408: "The body did not arrive in time.",
           409: "The event id was used for a different event.",
           410: "The event was erased at the visitor's request; not recorded again.",
           413: "Body over the cap (4 KiB).", 415: "Not JSON or text/plain.",
           429: "Rate limited.",
           503: "Database (or, for rights requests, the rate limiter) unavailable; retry later."}
    out = {}
    for code in codes:
        headers = None
        if code in (429, 503):
            headers = {"Retry-After": {"description": "Seconds to wait.",
                                       "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
        out[str(code)] = _json("Error", why[code], headers)
    return out


PREFLIGHT = {
    "summary": "CORS preflight; allowed for the origins configured for any site.",
    "responses": {"204": {"description": "Allowed."}, "403": _json("Error", "Origin refused.")},
}


def document(path: str, sites) -> dict:
    """The OpenAPI 3.1 description; `path` is the configured consent endpoint, `sites` the
    sites served (their event schemas are the request body's)."""
    consent_id = {"name": "consent_id", "in": "path", "required": True, "schema": HEX32}
    post = {
        "summary": "Record a consent event (idempotent on event_id).",
        "requestBody": {"required": True, "content": {
            "text/plain": {"schema": {"$ref": "#/components/schemas/ConsentEvent"}},
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ConsentEvent"}}}},
        "responses": {
            "201": _json("Receipt", "Recorded and committed; a replay of the same "
                         "event returns the same receipt.",
                         {"Idempotent-Replayed": {
                             "description": "Present on a replay.",
                             "schema": {"const": "true"}}}),
            **_errors(400, 403, 408, 409, 410, 413, 415, 429, 503)},
    }
    recorded = post["responses"]["201"]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Consent banner server", "version": "1",
                 "description": "Hosts the consent widget and keeps the proof of each "
                                "visitor's choice (GDPR art. 7(1)). Only first-party mode's "
                                "endpoint sets a cookie: the visitor's consent cookie, for "
                                "the site that proxies it."},
        "paths": {
            path: {"post": post, "options": PREFLIGHT},
            # server/first_party.py: the same event, proxied by the site from its own origin.
            f"{path}/first-party": {"post": {
                **post,
                "summary": "First-party mode: record a consent event as above, and set the "
                           "consent cookie by HTTP (the site proxies this path).",
                "responses": {**post["responses"], "201": {**recorded, "headers": {
                    **recorded["headers"],
                    "Set-Cookie": {"description": "The consent cookie: the choice, with the "
                                                  "site's lifetime and cookie_domain.",
                                   "schema": {"type": "string"}}}}}}},
            f"{path}/{{consent_id}}": {
                "parameters": [consent_id],
                "get": {
                    "summary": "The visitor's history (access and portability rights).",
                    "parameters": [{"name": "format", "in": "query", "required": False,
                                    "schema": {"enum": ["json", "csv"], "default": "json"}}],
                    "responses": {
                        "200": {"description": "Every event stored under this consent id.",
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/History"}},
                                    "text/csv": {"schema": {"type": "string"}}}},
                        **_errors(400, 404, 429, 503)},
                },
                "delete": {
                    "summary": "Erase the visitor's history, where the site allows it.",
                    "responses": {"200": _json("Erased", "Erased."),
                                  **_errors(400, 403, 404, 429, 503)},
                },
                "options": {**PREFLIGHT, "responses": {**PREFLIGHT["responses"],
                                                       **_errors(400)}},
            },
            "/healthz": {"get": {"summary": "The app and its database answer.",
                                 "responses": {"200": _json("Health", "Healthy."),
                                               **_errors(503)}}},
            "/api/openapi.json": {"get": {"summary": "This description.", "responses": {
                "200": {"description": "OpenAPI 3.1.",
                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/c/{site}/{file}": {
                "parameters": [
                    {"name": "site", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"}},
                    {"name": "file", "in": "path", "required": True,
                     "schema": {"type": "string"},
                     "description": "consent.<hash>.js (cached a year), consent.js (5 min) "
                                    "or manifest.json."}],
                "get": {
                    "summary": "The widget bundle; brotli or gzip by Accept-Encoding.",
                    "responses": {
                        "200": {"description": "The file.", "content": {
                            "text/javascript": {"schema": {"type": "string"}},
                            "application/json": {"schema": {"type": "object"}}}},
                        "304": {"description": "Not modified (If-None-Match)."},
                        "404": _json("Error", "No such file in the site's build.")},
                },
            },
        },
        "components": {"schemas": {**SCHEMAS, "ConsentEvent": consent_event(sites)}},
    }


@bp.get("/api/openapi.json")
def openapi_json():
    response = jsonify(document(current_app.config["CONSENTS_PATH"], registry().all()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
