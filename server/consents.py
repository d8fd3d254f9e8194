"""The proof-of-consent API: POST an event, and the visitor's rights (GET, DELETE) on its id."""

from __future__ import annotations

import functools
import json
import sys
import time
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_host, get_input_stream

from consent_ids import HEX32
from site_names import env_suffix

from . import first_party, ledger, ratelimit, store
from .console import refusals
from .contract import BODY_OVER, ORIGIN, receipt, receipt_answer
from .db import RETRY_AFTER, get_engine
from .errors import fail
from .formats import categories_of, csv_lines, public
from .logs import Throttle
from .payload import PayloadError, check, matches_whole, parse
from .proof import releases
from .pseudonym import pseudonymise
from .sites import Site, keeping_site, registry

bp = Blueprint("consents", __name__)



def _once_per(seconds: int, topic: str, key: str) -> bool:
    """Whether a warning on `topic` about `key` is due (this app's counters)."""
    throttles = current_app.extensions.setdefault("consent_throttles", {})
    return throttles.setdefault(topic, Throttle(seconds)).due(key)


def _own_origin(environ: dict) -> str:
    # The Host header as sent (punycode, like Origin), not host_url's IRI form; what
    # request.host gives, read from the environ (the lean POST has no request object).
    # Kept in the environ: the origin check, the CORS headers and first-party mode all ask.
    own = environ.get("consent.own_origin")
    if own is None:
        host = get_host(environ, current_app.config["TRUSTED_HOSTS"])
        own = environ["consent.own_origin"] = f"{environ['wsgi.url_scheme']}://{host}"
    return own


def _same_origin(origin: str, environ: dict) -> bool:
    return origin == _own_origin(environ)


def _allowed(origin: str | None, site, environ: dict) -> bool:
    """No Origin header: not a browser's cross-site request, nothing to check."""
    if origin is None:
        return True
    return _same_origin(origin, environ) or (site is not None and origin in site.origins)


def _cors_headers(environ: dict) -> list[tuple[str, str]]:
    """What every answer of these endpoints carries, the lean POST's included: allowed origins
    may read it, errors included (a widget on another origin must see a 400, drop the event,
    apart from a 503 or 429, send it again later); and no shared cache keeps it."""
    origin = _known_origin(environ)
    allowed = [("Access-Control-Allow-Origin", origin),
               ("Access-Control-Expose-Headers", "Retry-After, Idempotent-Replayed")]
    return allowed if origin else []


@bp.after_request
def _cors(response: Response) -> Response:
    for name, value in _cors_headers(request.environ):
        response.headers[name] = value
    if "Vary" in response.headers:
        response.vary.add("Origin")
    else:
        response.headers["Vary"] = "Origin"  # without parsing an empty header first
    # Proof records and rights answers are personal: never kept by a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _network(environ: dict) -> str:
    """The client's pseudonymised network (computed once per request)."""
    keys = current_app.extensions["consent_keys"]
    return pseudonymise(environ.get("REMOTE_ADDR") or "", keys["ip"])


def _rate_limit(without_redis: str, network: str, method: str | None = None) -> None:
    """429 past the limit. When Redis does not answer, `without_redis` says what the endpoint
    does: "count here" (in this process: the limit then holds per worker) or "refuse" (503)."""
    limiter = current_app.extensions["consent_limiter"]
    key = f"{method or request.method}:{network}"
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


def _read_body(environ: dict, cap: int, seconds: float) -> bytes:
    """At most `cap` bytes, with or without Content-Length (chunked bodies included), within
    `seconds`: RequestEntityTooLarge past the cap, TimeoutError past the time."""
    # What request.stream is with request.max_content_length = cap.
    stream = get_input_stream(environ, max_content_length=cap)
    # The server's socket, to bound each read by the time left: werkzeug's (scripts/demo). In
    # production nginx has read the whole body, within the same bound, before the app runs.
    sock = environ.get("werkzeug.socket")
    deadline = time.monotonic() + seconds
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


# What the endpoint takes: text/plain keeps the widget's request "simple" (no CORS preflight,
# sendBeacon works).
_TYPES = ("application/json", "text/plain", "")


@functools.lru_cache(maxsize=64)
def _mimetype(content_type: str) -> str:
    """request.mimetype, remembered: browsers send a handful of Content-Type values."""
    return parse_options_header(content_type)[0].lower()


@bp.post("", provide_automatic_options=False)
def create():
    """Reached for what the lean path (`Endpoint`) leaves to Flask: another Content-Type, or a
    request with cookies (first-party mode may send one back)."""
    stored, created, site, body = _record(current_app, request.environ)
    response = Response(_receipt_json(stored), 201, mimetype="application/json")
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    first_party.reissue(response, site.manifest, body, _own_origin(request.environ))
    return response


def _receipt_json(stored: dict) -> bytes:
    return json.dumps(receipt_answer(stored)).encode()


def _record(app: Flask, environ: dict) -> tuple[dict, bool, Site, dict]:
    """What POST does, in an app context: the stored row (once committed), whether it was
    recorded now (else the same event again), the site and the body as sent; ApiError or a
    database error otherwise."""
    if _mimetype(environ.get("CONTENT_TYPE", "")) not in _TYPES:
        fail(415, "send the event as application/json or text/plain")
    # A consent is never refused because Redis is down: it is counted in this process.
    network = _network(environ)
    _rate_limit("count here", network, "POST")
    config = app.config
    cap = config["CONSENT_MAX_BODY_BYTES"]
    try:
        raw = _read_body(environ, cap, config["CONSENT_BODY_TIMEOUT"])
    except RequestEntityTooLarge:
        fail(413, BODY_OVER.format(cap=cap), None, **_CLOSE)
    except (TimeoutError, ClientDisconnected):
        fail(408, f"body not received within {config['CONSENT_BODY_TIMEOUT']:g} s", None,
             **_CLOSE)
    extensions = app.extensions
    try:
        body = parse(raw)
        if "site" not in body:
            raise PayloadError("missing field", "site")
        site = extensions["consent_sites"].get(body["site"])
        if site is None:
            raise PayloadError("unknown site", "site")
        origin = environ.get("HTTP_ORIGIN")
        if not _allowed(origin, site, environ):
            _refuse(origin, site.id)
        event = check(body, site.validator)
        releases.check_event(extensions["consent_engine"], site, event["release"],
                             event["revision"])
    except PayloadError as exc:
        fail(400, exc.message, exc.field)

    row = {**event, "site": site.id,
           "user_agent": _text(environ.get("HTTP_USER_AGENT", ""))[:512],
           "ip_pseudonym": network, "server_time": datetime.now(UTC)}
    row["receipt"] = receipt(row, extensions["consent_keys"]["receipt"])
    # About 45 µs (RFC 8785 JSON, an Ed25519 signature): the only cost of the log on this path.
    row["signature"] = extensions["consent_signing"].sign(ledger.payload(row))
    try:
        # Only after the commit is the receipt given.
        stored, created = extensions["consent_writer"].submit(row)
    except store.Conflict:
        fail(409, "this event_id was already used for a different event", "event_id")
    except store.Erased:
        fail(410, "this event was erased at the visitor's request; it is not recorded again",
             "event_id")
    return stored, created, site, body


class Endpoint:
    """WSGI middleware for the hot path, POST on the consent endpoint: the same work as the
    Flask view (`_record`) in an app context only, without Flask's request machinery (request
    object, routing, after_request, response object: about a tenth of a millisecond a
    request). Its 201 carries what Flask's would (`_cors_headers`); every error is answered by
    Flask itself, in a request context made then, with the app's own error handlers and
    after_request, as if the view had raised it. Other methods, paths and Content-Types go to
    Flask untouched, and so do requests with cookies: the 201 of first-party mode may send the
    consent cookie back (first_party.reissue), which only a request with cookies can get."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app, self.path = app, wsgi_app, app.config["CONSENT_PATH"]

    def __call__(self, environ: dict, start_response):
        if (environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST"
                or "HTTP_COOKIE" in environ
                or _mimetype(environ.get("CONTENT_TYPE", "")) not in _TYPES):
            return self.wsgi_app(environ, start_response)
        app = self.app
        with app.app_context():
            try:
                stored, created, _site, _body = _record(app, environ)
                body = _receipt_json(stored)
                headers = [("Content-Type", "application/json"),
                           ("Content-Length", str(len(body)))]
                if not created:
                    headers.append(("Idempotent-Replayed", "true"))
                headers += _cors_headers(environ)
                headers += [("Vary", "Origin"), ("Cache-Control", "no-store")]
            except Exception:  # noqa: BLE001 - answered by Flask, as the view's would be
                return self._flask_answer(environ, start_response)
        start_response("201 CREATED", headers)
        return [body]

    def _flask_answer(self, environ: dict, start_response):
        """The exception being handled, answered as Flask answers the view's: its error
        handler (or a 500), then after_request; raised again where Flask would (testing)."""
        app = self.app
        with app.request_context(environ):
            try:
                response = app.finalize_request(app.handle_user_exception(sys.exc_info()[1]))
            except Exception as error:  # noqa: BLE001 - Flask's own last resort
                response = app.handle_exception(error)
            return response(environ, start_response)


def _text(header: str) -> str:
    """A header as text the database takes: WSGI gives latin-1, and NUL is refused."""
    if header.isprintable():
        return header
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


def _known_origin(environ: dict) -> str | None:
    """The request's Origin when it is this server's or one some site allows."""
    origin = environ.get("HTTP_ORIGIN")
    if origin and (_same_origin(origin, environ) or registry().any_origin(origin)):
        return origin
    return None


@bp.route("", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route("/<consent_id>", methods=["OPTIONS"], provide_automatic_options=False)
def preflight(consent_id: str | None = None):
    """CORS preflight: only origins some site allows (the widget itself needs none)."""
    if consent_id is not None:
        _visitor(consent_id)
    origin = _known_origin(request.environ)
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
    _rate_limit("refuse", _network(request.environ))
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
    _rate_limit("refuse", _network(request.environ))
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
