"""The proof-of-consent API: POST an event, and the visitor's rights (GET, DELETE) on its id."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from consent_ids import HEX32
from site_names import env_suffix

from . import first_party, ledger, ratelimit, store
from .console import refusals
from .contract import ORIGIN, receipt, receipt_answer
from .db import RETRY_AFTER, get_engine
from .errors import fail
from .formats import categories_of, csv_lines, public
from .logs import Throttle
from .payload import PayloadError, check, matches_whole, parse
from .proof import releases
from .pseudonym import pseudonymise
from .sites import keeping_site, registry

bp = Blueprint("consents", __name__)



def _once_per(seconds: int, topic: str, key: str) -> bool:
    """Whether a warning on `topic` about `key` is due (this app's counters)."""
    throttles = current_app.extensions.setdefault("consent_throttles", {})
    return throttles.setdefault(topic, Throttle(seconds)).due(key)


def _own_origin() -> str:
    # The Host header as sent (punycode, like Origin), not host_url's IRI form.
    return f"{request.scheme}://{request.host}"


def _same_origin(origin: str) -> bool:
    return origin == _own_origin()


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
    if "Vary" in response.headers:
        response.vary.add("Origin")
    else:
        response.headers["Vary"] = "Origin"  # without parsing an empty header first
    # Proof records and rights answers are personal: never kept by a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _network() -> str:
    """The client's pseudonymised network (computed once per request)."""
    keys = current_app.extensions["consent_keys"]
    return pseudonymise(request.remote_addr or "", keys["ip"])


def _rate_limit(without_redis: str, network: str) -> None:
    """429 past the limit. When Redis does not answer, `without_redis` says what the endpoint
    does: "count here" (in this process: the limit then holds per worker) or "refuse" (503)."""
    limiter = current_app.extensions["consent_limiter"]
    key = f"{request.method}:{network}"
    try:
        wait = limiter.hit(key)
    except ratelimit.Unavailable as exc:
        # Said once a minute, not once per request.
        if _once_per(60, "redis", "down"):
            current_app.logger.warning("rate limits: Redis unavailable (%s); POST counted per "
                                       "process, rights requests refused", exc)
        if without_redis == "refuse":
            fail(503, "rate limiting unavailable, try again later", None,
                 **{"Retry-After": RETRY_AFTER})
        wait = limiter.local.hit(key)
    if wait:
        fail(429, f"too many requests; retry in {wait} s", None, **{"Retry-After": str(wait)})


def _read_body(cap: int) -> bytes:
    """At most `cap` bytes, with or without Content-Length (chunked bodies included), within
    BODY_TIMEOUT: RequestEntityTooLarge past the cap, TimeoutError past the time."""
    request.max_content_length = cap
    stream = request.stream
    # The server's socket, to bound each read by the time left (gunicorn, werkzeug).
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    deadline = time.monotonic() + current_app.config["CONSENT_BODY_TIMEOUT"]
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


# The rest of the body may still be on the connection: it cannot carry another request.
_CLOSE = {"Connection": "close"}


@bp.post("", provide_automatic_options=False)
def create():
    # text/plain keeps the widget's request "simple": no CORS preflight, sendBeacon works.
    if request.mimetype not in ("application/json", "text/plain", ""):
        fail(415, "send the event as application/json or text/plain")
    # A consent is never refused because Redis is down: it is counted in this process.
    network = _network()
    _rate_limit("count here", network)
    config = current_app.config
    cap = config["CONSENT_MAX_BODY_BYTES"]
    try:
        raw = _read_body(cap)
    except RequestEntityTooLarge:
        fail(413, f"body over {cap} bytes", None, **_CLOSE)
    except (TimeoutError, ClientDisconnected):
        fail(408, f"body not received within {config['CONSENT_BODY_TIMEOUT']:g} s", None,
             **_CLOSE)
    try:
        body = parse(raw)
        if "site" not in body:
            raise PayloadError("missing field", "site")
        site = registry().get(body["site"])
        if site is None:
            raise PayloadError("unknown site", "site")
        origin = request.headers.get("Origin")
        if not _allowed(origin, site):
            _refuse(origin, site.id)
        event = check(body, site.validator)
        releases.check_event(get_engine(), site, event["release"], event["revision"])
    except PayloadError as exc:
        fail(400, exc.message, exc.field)

    keys = current_app.extensions["consent_keys"]
    row = {**event, "site": site.id,
           "user_agent": _text(request.headers.get("User-Agent", ""))[:512],
           "ip_pseudonym": network, "server_time": datetime.now(UTC)}
    row["receipt"] = receipt(row, keys["receipt"])
    # About 45 µs (RFC 8785 JSON, an Ed25519 signature): the only cost of the log on this path.
    row["signature"] = current_app.extensions["consent_signing"].sign(ledger.payload(row))
    try:
        stored, created = current_app.extensions["consent_writer"].submit(row)
    except store.Conflict:
        fail(409, "this event_id was already used for a different event", "event_id")
    except store.Erased:
        fail(410, "this event was erased at the visitor's request; it is not recorded again",
             "event_id")
    # Only now, after the commit, is the receipt given.
    response = Response(json.dumps(receipt_answer(stored)), 201, mimetype="application/json")
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    first_party.reissue(response, site.manifest, body, _own_origin())
    return response


def _text(header: str) -> str:
    """A header as text the database takes: WSGI gives latin-1, and NUL is refused."""
    return "".join(c for c in header if c.isprintable())


def _refuse(origin: str, site_id: str) -> None:
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
            site_id, shown, env_suffix(site_id))
    # Only a well-formed origin is echoed back in a header.
    echoed = {"Access-Control-Allow-Origin": origin} if matches_whole(ORIGIN, origin) else {}
    fail(403, f"origin {shown} may not send consents for site {site_id}", None, **echoed)


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
    if consent_id is not None:
        _visitor(consent_id)
    origin = _known_origin()
    if origin is None:
        fail(403, "origin not allowed")
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = (
        "POST" if consent_id is None else "GET, DELETE")
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _visitor(consent_id: str) -> None:
    if not matches_whole(HEX32, consent_id):
        fail(400, "a consent id is 32 lowercase hexadecimal digits", "consent_id")


@bp.get("/<consent_id>", provide_automatic_options=False)
def access(consent_id: str):
    """Right of access and portability (policy section 7): the visitor's whole history."""
    # Rights requests wait for Redis rather than lose their limit: they can be asked again
    # later, and their limit is what keeps consent ids from being tried in bulk.
    _visitor(consent_id)
    _rate_limit("refuse", _network())
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        fail(400, "format must be json or csv", "format")
    rows = store.history(get_engine(), consent_id)
    if not rows:
        fail(404, "no consent recorded under this id", "consent_id")
    if fmt == "csv":
        sites = map(registry().get, dict.fromkeys(r["site"] for r in rows))
        categories = categories_of(s for s in sites if s is not None)
        response = Response("".join(csv_lines(rows, categories)),
                            mimetype="text/csv", content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="consent-{consent_id}.csv"')
        return response
    return jsonify(consent_id=consent_id, events=[public(r) for r in rows])


@bp.delete("/<consent_id>", provide_automatic_options=False)
def erase(consent_id: str):
    """Right to erasure, where the site's owner allows it; 403 with the reason otherwise."""
    _visitor(consent_id)
    _rate_limit("refuse", _network())
    engine = get_engine()
    site_ids = store.sites_of(engine, consent_id)
    if not site_ids:
        fail(404, "no consent recorded under this id", "consent_id")
    keeper = keeping_site(site_ids)
    if keeper is not None:
        site = registry().get(keeper)
        count, unit = site.retention if site else current_app.config["CONSENT_RETENTION"]
        period = f"{count} {'years' if unit == 'y' else 'days'}"
        fail(403, f"site {keeper} keeps consent records as proof of consent for {period} "
                  "(legal obligation); they cannot be erased on request", "consent_id")
    deleted = store.erase(engine, consent_id, current_app.extensions["consent_keys"]["erased"])
    return jsonify(consent_id=consent_id, deleted=deleted)
