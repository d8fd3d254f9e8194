"""`/api/v1/accounts/…`: the site's own back end links a consent id to a customer account
(at login), exports the account's consents, and forgets the account. Server to server: a site
API key in `Authorization: Bearer`, JSON bodies (identifiers never in a URL, so never in an
access log), no CORS, no cookie; rate-limited per pseudonymised network."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, request

from consent_ids import HEX32, matches_whole

from .. import ratelimit
from ..db import get_engine
from ..errors import fail
from ..formats import csv_lines, public
from ..pseudonym import pseudonymise
from ..sites import registry
from . import keys, links

bp = Blueprint("account_links", __name__, url_prefix="/api/v1/accounts")

# A body is an account identifier and a consent id: far under this.
MAX_BODY = 4096
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="account-links"'}


def init_app(app) -> None:
    app.extensions["accounts_limiter"] = ratelimit.make_limiter(
        app.config, "CONSENT_ACCOUNTS_RATE_LIMIT", "consent:accounts:")
    app.register_blueprint(bp)


@bp.before_request
def _checks():
    """Rate limit first (a flood of wrong keys is limited too), then the key."""
    limiter = current_app.extensions["accounts_limiter"]
    network = pseudonymise(request.remote_addr or "", current_app.extensions["consent_keys"]["ip"])
    try:
        wait = limiter.hit(network)
    except ratelimit.Unavailable:
        wait = limiter.local.hit(network)  # counted in this process meanwhile
    if wait:
        fail(429, f"too many requests; retry in {wait} s", None, **{"Retry-After": str(wait)})
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        fail(401, "send the site's API key as `Authorization: Bearer <key>`", None, **CHALLENGE)
    key = keys.authenticate(get_engine(), presented.strip(),
                            current_app.extensions["consent_keys"]["api-key"])
    if key is None:
        fail(401, "unknown or revoked API key", None, **CHALLENGE)
    g.api_key = key


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _body(*names: str) -> dict:
    """The JSON object sent, with `account` (and `consent_id`) checked."""
    if request.mimetype != "application/json":
        fail(415, "send a JSON object (Content-Type: application/json)")
    request.max_content_length = MAX_BODY
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        fail(400, "the body is not a JSON object")
    account = body.get("account")
    if (not isinstance(account, str) or not 1 <= len(account) <= links.ACCOUNT_MAX
            or not account.isprintable()):
        fail(400, f"account: the site's customer identifier, 1 to {links.ACCOUNT_MAX} "
                  "printable characters", "account")
    if "consent_id" in names and not (isinstance(body.get("consent_id"), str)
                                      and matches_whole(HEX32, body["consent_id"])):
        fail(400, "consent_id: 32 characters from 0-9 and a-f (the banner's cookie)",
             "consent_id")
    return body


def _hashed(account: str) -> str:
    return links.account_hash(g.api_key.site, account,
                              current_app.extensions["consent_keys"]["account"])


@bp.post("/links")
def link():
    """Link the browser's consent id to the customer's account (call it at each login)."""
    body = _body("consent_id")
    made = links.link(get_engine(), g.api_key.site, _hashed(body["account"]),
                      body["consent_id"], g.api_key.id)
    return jsonify(consent_id=body["consent_id"], linked=True), 201 if made else 200


@bp.post("/history")
def history():
    """Every consent of the account at this site, across its devices (JSON, or CSV)."""
    body = _body()
    fmt = body.get("format", "json")
    if fmt not in ("json", "csv"):
        fail(400, "format: json or csv", "format")
    consent_ids, rows = links.account_history(get_engine(), g.api_key.site,
                                              _hashed(body["account"]))
    if fmt == "csv":
        site = registry().get(g.api_key.site)
        categories = site.manifest["categories"] if site else []
        return Response("".join(csv_lines(rows, categories)), mimetype="text/csv",
                        content_type="text/csv; charset=utf-8")
    return jsonify(consent_ids=consent_ids, events=[public(r) for r in rows])


@bp.post("/unlink")
def unlink():
    """Forget every link of the account (it was closed); its consent records stay."""
    body = _body()
    return jsonify(unlinked=links.unlink_account(get_engine(), g.api_key.site,
                                                 _hashed(body["account"])))
