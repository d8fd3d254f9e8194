"""`GET /api/openapi.json`: the public API, described for clients and checked by the tests."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from consent_ids import HEX32 as HEX32_PATTERN
from site_names import SITE_ID_MAX_LENGTH, SITE_ID_PATTERN

from . import contract
from .account_links.links import ACCOUNT_MAX
from .sites import registry

bp = Blueprint("openapi", __name__)

HEX32 = {"type": "string", "pattern": HEX32_PATTERN}

ACCOUNT_ID = {"type": "string", "minLength": 1, "maxLength": ACCOUNT_MAX,
              "description": "The site's own customer identifier; stored only as a keyed hash."}

SCHEMAS = {
    "Error": contract.ERROR,
    "Receipt": contract.receipt_schema(),
    "StoredEvent": contract.stored_schema(),
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
    "AccountLink": {
        "type": "object", "required": ["account", "consent_id"],
        "properties": {"account": ACCOUNT_ID,
                       "consent_id": HEX32},
    },
    "Account": {
        "type": "object", "required": ["account"],
        "properties": {"account": ACCOUNT_ID},
    },
    "AccountExport": {
        "type": "object", "required": ["account"],
        "properties": {"account": ACCOUNT_ID,
                       "format": {"enum": ["json", "csv"], "default": "json"}},
    },
    "Linked": {
        "type": "object", "additionalProperties": False, "required": ["consent_id", "linked"],
        "properties": {"consent_id": HEX32, "linked": {"const": True}},
    },
    "AccountHistory": {
        "type": "object", "additionalProperties": False, "required": ["consent_ids", "events"],
        "properties": {"consent_ids": {"type": "array", "items": HEX32},
                       "events": {"type": "array",
                                  "items": {"$ref": "#/components/schemas/StoredEvent"}}},
    },
    "Unlinked": {
        "type": "object", "additionalProperties": False, "required": ["unlinked"],
        "properties": {"unlinked": {"type": "integer", "minimum": 0}},
    },
    "JWKS": {
        "type": "object", "additionalProperties": False, "required": ["keys"],
        "description": "RFC 7517: every Ed25519 key that signed receipts or log heads, the "
                       "one in use first; retired keys stay so that their receipts verify.",
        "properties": {"keys": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["kty", "crv", "x", "kid", "alg", "use"],
            "properties": {"kty": {"const": "OKP"}, "crv": {"const": "Ed25519"},
                           "x": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
                           "kid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                                   "description": "The key's RFC 7638 thumbprint."},
                           "alg": {"const": "EdDSA"}, "use": {"const": "sig"}}}}},
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
    schemas = [contract.event_schema(site.manifest) for site in sites]
    if len(schemas) == 1:
        return schemas[0]
    return {"type": "object", "anyOf": schemas}


def _errors(*codes: int) -> dict:
    why = {400: "Bad request: the field is named.",
           401: "No API key, or an unknown or revoked one.", 403: "Forbidden; the error says why.",
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
        if code == 401:
            headers = {"WWW-Authenticate": {"description": "The Bearer scheme.",
                                            "schema": {"type": "string",
                                                       "pattern": "^Bearer "}}}
        out[str(code)] = _json("Error", why[code], headers)
    return out


def _account_call(summary: str, body: str, answers: dict, codes=(400, 401, 413, 415, 429,
                                                                  503)) -> dict:
    """One call of the account-link API: a site API key, a JSON body, never a cookie."""
    return {"post": {
        "summary": summary, "security": [{"siteApiKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}},
        "responses": {**answers, **_errors(*codes)}}}


ACCOUNT_PATHS = {
    "/api/v1/accounts/links": _account_call(
        "Link a browser's consent id to a customer account (the site's back end, at login).",
        "AccountLink", {"201": _json("Linked", "Linked now."),
                        "200": _json("Linked", "Already linked.")}),
    "/api/v1/accounts/history": _account_call(
        "Every consent of the account at the key's site, across its devices.",
        "AccountExport", {"200": {"description": "The account's consent ids and events.",
                                  "content": {
                                      "application/json": {"schema": {
                                          "$ref": "#/components/schemas/AccountHistory"}},
                                      "text/csv": {"schema": {"type": "string"}}}}}),
    "/api/v1/accounts/unlink": _account_call(
        "Forget every link of the account (it was closed); the consent records stay.",
        "Account", {"200": _json("Unlinked", "How many links were forgotten.")}),
}

PREFLIGHT = {
    "summary": "CORS preflight; allowed for the origins configured for any site.",
    "responses": {"204": {"description": "Allowed."}, "403": _json("Error", "Origin refused.")},
}


def document(path: str, sites) -> dict:
    """The OpenAPI 3.1 description; `path` is the configured consent endpoint, `sites` the
    sites served (their event schemas are the request body's)."""
    consent_id = {"name": "consent_id", "in": "path", "required": True, "schema": HEX32}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Consent banner server", "version": "1",
                 "description": "Hosts the consent widget and keeps the proof of each "
                                "visitor's choice (GDPR art. 7(1)). Only the consent POST "
                                "sets a cookie, in first-party mode: the consent cookie its "
                                "same-origin request carried."},
        "paths": {
            path: {
                "post": {
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
                                         "schema": {"const": "true"}},
                                      "Set-Cookie": {
                                         "description": "First-party mode: a same-origin "
                                         "request (the site proxies a path to this server) "
                                         "whose consent cookie holds this event's choice gets "
                                         "that cookie back, with the site's lifetime.",
                                         "schema": {"type": "string"}}}),
                        **_errors(400, 403, 408, 409, 410, 413, 415, 429, 503)},
                },
                "options": PREFLIGHT,
            },
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
            **ACCOUNT_PATHS,
            "/healthz": {"get": {"summary": "The app and its database answer.",
                                 "responses": {"200": _json("Health", "Healthy."),
                                               **_errors(503)}}},
            "/.well-known/jwks.json": {"get": {
                "summary": "The public keys that verify receipts' signatures, offline.",
                "responses": {"200": {"description": "A JWK Set.", "content": {
                    "application/jwk-set+json": {
                        "schema": {"$ref": "#/components/schemas/JWKS"}}}}}}},
            "/api/openapi.json": {"get": {"summary": "This description.", "responses": {
                "200": {"description": "OpenAPI 3.1.",
                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/c/{site}/{file}": {
                "parameters": [
                    {"name": "site", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": SITE_ID_PATTERN,
                                "maxLength": SITE_ID_MAX_LENGTH}},
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
        "components": {
            "schemas": {**SCHEMAS, "ConsentEvent": consent_event(sites)},
            "securitySchemes": {"siteApiKey": {
                "type": "http", "scheme": "bearer",
                "description": "A site's API key (`flask --app server api-keys create`, or "
                               "the console); each key reads and writes its own site's "
                               "links only."}}},
    }


@bp.get("/api/openapi.json")
def openapi_json():
    response = jsonify(document(current_app.config["CONSENT_PATH"], registry().all()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
