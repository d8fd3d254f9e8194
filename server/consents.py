"""The proof-of-consent API: POST an event, and the visitor's rights (GET, DELETE) on its id."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from . import payload, ratelimit, store
from .console import refusals
from .db import RETRY_AFTER, get_engine
from .formats import csv_lines, public
from .logs import Throttle
from .payload import PayloadError, check, parse
from .pseudonym import pseudonymise
from .sites import registry

bp = Blueprint("consents", __name__)



def _once_per(seconds: int, topic: str, key: str) -> bool:
    """Whether a warning on `topic` about `key` is due (this app's counters)."""
    throttles = current_app.extensions.setdefault("consent_throttles", {})
    return throttles.setdefault(topic, Throttle(seconds)).due(key)


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


def _rate_limited(without_redis: str) -> Response | None:
    """429 past the limit. When Redis does not answer, `without_redis` says what the endpoint
    does: "count here" (in this process: the limit then holds per worker) or "refuse" (503)."""
    keys = current_app.extensions["consent_keys"]
    limiter = current_app.extensions["consent_limiter"]
    key = f"{request.method}:{pseudonymise(request.remote_addr or '', keys['ip'])}"
    try:
        wait = limiter.hit(key)
    except ratelimit.Unavailable as exc:
        # Said once a minute, not once per request.
        if _once_per(60, "redis", "down"):
            current_app.logger.warning("rate limits: Redis unavailable (%s); POST counted per "
                                       "process, rights requests refused", exc)
        if without_redis == "refuse":
            return error(503, "rate limiting unavailable, try again later", None,
                         **{"Retry-After": RETRY_AFTER})
        wait = limiter.local.hit(key)
    if wait:
        return error(429, f"too many requests; retry in {wait} s", None,
                     **{"Retry-After": str(wait)})
    return None


def _read_body(cap: int) -> bytes:
    """At most `cap` bytes, with or without Content-Length (chunked bodies included), within
    BODY_TIMEOUT: RequestEntityTooLarge past the cap, TimeoutError past the time."""
    request.max_content_length = cap
    stream = request.stream
    # The server's socket, to bound each read by the time left (gunicorn, werkzeug).
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    deadline = time.monotonic() + current_app.config["BODY_TIMEOUT"]
    before = sock.gettimeout() if sock is not None else None
    chunks, size = [], 0
    try:
        while size <= cap:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if sock is not None:
                sock.settimeout(left)
            chunk = stream.read(cap + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        if sock is not None:
            sock.settimeout(before)
    if size > cap:
        raise RequestEntityTooLarge()
    return b"".join(chunks)


def _closing(response: Response) -> Response:
    # The rest of the body is still on the connection: it cannot carry another request.
    response.headers["Connection"] = "close"
    return response


@bp.post("", provide_automatic_options=False)
def create():
    mimetype = request.mimetype
    # text/plain keeps the widget's request "simple": no CORS preflight, sendBeacon works.
    if mimetype not in ("application/json", "text/plain", ""):
        return error(415, "send the event as application/json or text/plain", None)
    # A consent is never refused because Redis is down: it is counted in this process.
    limited = _rate_limited(without_redis="count here")
    if limited:
        return limited
    cap = current_app.config["MAX_BODY_BYTES"]
    try:
        raw = _read_body(cap)
    except RequestEntityTooLarge:
        return _closing(error(413, f"body over {cap} bytes", None))
    except (TimeoutError, ClientDisconnected):
        seconds = current_app.config["BODY_TIMEOUT"]
        return _closing(error(408, f"body not received within {seconds:g} s", None))
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
        return _refused(origin, site.id)
    try:
        event = check(body, site.validator)
    except PayloadError as exc:
        return error(400, exc.message, exc.field)

    keys = current_app.extensions["consent_keys"]
    row = {
        **event,
        "site": site.id,
        "user_agent": _text(request.headers.get("User-Agent", ""))[:512],
        "ip_pseudonym": pseudonymise(request.remote_addr or "", keys["ip"]),
        "server_time": datetime.now(UTC),
    }
    row["receipt"] = store.receipt(row, keys["receipt"])
    try:
        stored, created = store.record(get_engine(), row, keys["erased"])
    except store.Conflict:
        return error(409, "this event_id was already used for a different event", "event_id")
    except store.Erased:
        return error(410, "this event was erased at the visitor's request; it is not "
                          "recorded again", "event_id")
    # Only now, after the commit, is the receipt given.
    response = jsonify(event_id=stored["event_id"], consent_id=stored["consent_id"],
                       server_time=store.iso(stored["server_time"]), receipt=stored["receipt"])
    response.status_code = 201
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _text(header: str) -> str:
    """A header as text the database takes: WSGI gives latin-1, and NUL is refused."""
    return "".join(c for c in header if c.isprintable())


def _refused(origin: str, site_id: str) -> Response:
    """403 for an origin the site does not list, readable by the widget on that origin (so
    that it drops the event), and one log line for the owner per origin per hour."""
    shown = origin[:200].encode("unicode_escape").decode("ascii")
    # Counted per hour for the owner's console (site and origin only).
    refusals.note(site_id, origin)
    # The owner hears of a refused origin once per hour, however many visitors try.
    if _once_per(3600, "refused origin", f"{site_id} {shown}"):
        # The origin and the site only: never the visitor's address.
        current_app.logger.warning(
            "site %s: refused consents from origin %s; if the site is served there, add it "
            "to CONSENT_ORIGINS_%s (said once an hour per origin)",
            site_id, shown, site_id.upper().replace("-", "_"))
    response = error(403, f"origin {shown} may not send consents for site {site_id}", None)
    # Only a well-formed origin is echoed back in a header.
    if payload.whole_match(payload.ORIGIN, origin):
        response.headers["Access-Control-Allow-Origin"] = origin
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
    bad = consent_id is not None and _visitor(consent_id)
    if bad:
        return bad
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
    if not payload.whole_match(payload.HEX32, consent_id):
        return error(400, "a consent id is 32 lowercase hexadecimal digits", "consent_id")
    return None


@bp.get("/<consent_id>", provide_automatic_options=False)
def access(consent_id: str):
    """Right of access and portability (policy section 7): the visitor's whole history."""
    # Rights requests wait for Redis rather than lose their limit: they can be asked again
    # later, and their limit is what keeps consent ids from being tried in bulk.
    bad = _visitor(consent_id) or _rate_limited(without_redis="refuse")
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
    bad = _visitor(consent_id) or _rate_limited(without_redis="refuse")
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
    deleted = store.erase(engine, consent_id, current_app.extensions["consent_keys"]["erased"])
    return jsonify(consent_id=consent_id, deleted=deleted)
