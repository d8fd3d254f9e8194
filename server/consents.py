"""The proof-of-consent API: POST an event, and the visitor's rights (GET, DELETE) on its id."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import payload, store
from .db import get_engine
from .formats import csv_lines, public
from .payload import PayloadError, check, parse
from .pseudonym import pseudonymise
from .sites import registry

bp = Blueprint("consents", __name__)

HEX32 = re.compile(payload.HEX32)


def error(status: int, message: str, field: str | None = None, **headers) -> Response:
    response = jsonify(error=message, field=field)
    response.status_code = status
    response.headers.update(headers)
    return response


def _same_origin(origin: str) -> bool:
    return origin == request.host_url.rstrip("/")


def _allowed(origin: str | None, site) -> bool:
    """No Origin header: not a browser's cross-site request, nothing to check."""
    if origin is None:
        return True
    return _same_origin(origin) or (site is not None and origin in site.origins)


@bp.after_request
def _cors(response: Response) -> Response:
    """Let allowed origins read every answer, errors included: a widget on another origin
    must see a 400 (drop the event) apart from a 503 or 429 (send it again later)."""
    origin = _known_origin()
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After, Idempotent-Replayed"
    response.vary.add("Origin")
    # Proof records and rights answers are personal: never kept by a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _rate_limited() -> Response | None:
    keys = current_app.extensions["consent_keys"]
    wait = current_app.extensions["consent_limiter"].hit(
        f"{request.method}:{pseudonymise(request.remote_addr or '', keys['ip'])}")
    if wait:
        return error(429, f"too many requests; retry in {wait} s", None,
                     **{"Retry-After": str(wait)})
    return None


def _page_url(url: str) -> str:
    """Scheme, host and path only: a query string or fragment can carry personal data."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@bp.post("", provide_automatic_options=False)
def create():
    mimetype = request.mimetype
    # text/plain keeps the widget's request "simple": no CORS preflight, sendBeacon works.
    if mimetype not in ("application/json", "text/plain", ""):
        return error(415, "send the event as application/json or text/plain", None)
    limited = _rate_limited()
    if limited:
        return limited
    cap = current_app.config["MAX_BODY_BYTES"]
    request.max_content_length = cap
    try:
        raw = request.get_data(cache=False)  # refused past the cap, Content-Length or not
    except RequestEntityTooLarge:
        return error(413, f"body over {cap} bytes", None)
    try:
        body = parse(raw)
    except PayloadError as exc:
        return error(400, exc.message, exc.field)
    if "site" not in body:
        return error(400, "missing field", "site")
    site = registry().get(body["site"])
    if site is None:
        return error(400, "unknown site", "site")
    origin = request.headers.get("Origin")
    if not _allowed(origin, site):
        return error(403, f"origin {origin} may not send consents for site {site.id}", None)
    try:
        client_time = check(body, site.validator)
    except PayloadError as exc:
        return error(400, exc.message, exc.field)

    keys = current_app.extensions["consent_keys"]
    row = {
        "event_id": body["event_id"],
        "consent_id": body["consent_id"],
        "site": site.id,
        "revision": body["revision"],
        "choices": {c: body["choices"][c] for c in site.manifest["categories"]},
        "action": body["action"],
        "language": body["language"],
        "page_url": _page_url(body["page_url"]),
        "user_agent": request.headers.get("User-Agent", "")[:512],
        "ip_pseudonym": pseudonymise(request.remote_addr or "", keys["ip"]),
        "gpc": body["gpc"],
        "client_time": client_time,
        "server_time": datetime.now(UTC),
    }
    row["receipt"] = store.receipt(row, keys["receipt"])
    try:
        stored, created = store.record(get_engine(), row)
    except store.Conflict:
        return error(409, "this event_id was already used for a different event", "event_id")
    # Only now, after the commit, is the receipt given.
    response = jsonify(event_id=stored["event_id"], consent_id=stored["consent_id"],
                       server_time=store.iso(stored["server_time"]), receipt=stored["receipt"])
    response.status_code = 201
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _known_origin() -> str | None:
    """The request's Origin when it is this server's or one some site allows."""
    origin = request.headers.get("Origin")
    if origin and (_same_origin(origin) or registry().any_origin(origin)):
        return origin
    return None


@bp.route("", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route("/<consent_id>", methods=["OPTIONS"], provide_automatic_options=False)
def preflight(consent_id: str | None = None):
    """CORS preflight: only origins some site allows (the widget itself needs none)."""
    origin = _known_origin()
    if origin is None:
        return error(403, "origin not allowed", None)
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = (
        "POST" if consent_id is None else "GET, DELETE")
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _visitor(consent_id: str) -> Response | None:
    if not HEX32.match(consent_id):
        return error(400, "a consent id is 32 lowercase hexadecimal digits", "consent_id")
    return None


@bp.get("/<consent_id>", provide_automatic_options=False)
def access(consent_id: str):
    """Right of access and portability (policy section 7): the visitor's whole history."""
    bad = _visitor(consent_id) or _rate_limited()
    if bad:
        return bad
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        return error(400, "format must be json or csv", "format")
    rows = store.history(get_engine(), consent_id)
    if not rows:
        return error(404, "no consent recorded under this id", "consent_id")
    if fmt == "csv":
        site_ids = list(dict.fromkeys(r["site"] for r in rows))
        sites = [s for s in map(registry().get, site_ids) if s is not None]
        categories: list[str] = []
        for site in sites:
            categories += [c for c in site.manifest["categories"] if c not in categories]
        response = Response("".join(csv_lines(rows, categories)),
                            mimetype="text/csv", content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="consent-{consent_id}.csv"')
        return response
    return jsonify(consent_id=consent_id, events=[public(r) for r in rows])


@bp.delete("/<consent_id>", provide_automatic_options=False)
def erase(consent_id: str):
    """Right to erasure, where the site's owner allows it; 403 with the reason otherwise."""
    bad = _visitor(consent_id) or _rate_limited()
    if bad:
        return bad
    engine = get_engine()
    site_ids = store.sites_of(engine, consent_id)
    if not site_ids:
        return error(404, "no consent recorded under this id", "consent_id")
    for site_id in site_ids:
        site = registry().get(site_id)
        if site is None or not site.erasure:
            count, unit = site.retention if site else current_app.config["DEFAULT_RETENTION"]
            period = f"{count} {'years' if unit == 'y' else 'days'}"
            return error(403, f"site {site_id} keeps consent records as proof of consent for "
                              f"{period} (legal obligation); they cannot be erased on request",
                         "consent_id")
    deleted = store.erase(engine, consent_id)
    return jsonify(consent_id=consent_id, deleted=deleted)
