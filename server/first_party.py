"""First-party mode: the consent POST, answered with the consent cookie by HTTP.

A site proxies one path of its own origin here (README, "First-party mode"). Safari and Brave
keep a cookie written by script for 7 days at most; one set by an HTTP answer of the site's
own origin lives its full lifetime. The event is handled by the consent endpoint itself
(consents.create: validation, limits, storage, receipt); only once it is stored does the
answer carry the cookie, with the value the widget writes and the attributes of the site's
manifest (name, lifetime, cookie_domain).
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

from flask import Blueprint, request

from . import consents
from .sites import registry

bp = Blueprint("first_party", __name__)

# What JavaScript's encodeURIComponent leaves as is: the widget reads the value back with
# decodeURIComponent (consent.js), so both write the same bytes.
_URI_COMPONENT_SAFE = "-_.!~*'()"


class _Tee:
    """The request's input, keeping a copy of what the consent endpoint reads from it."""

    def __init__(self, stream):
        self.stream, self.seen = stream, bytearray()

    def read(self, *args) -> bytes:
        chunk = self.stream.read(*args)
        self.seen += chunk
        return chunk


@bp.post("/first-party", provide_automatic_options=False)
def create():
    tee = _Tee(request.environ["wsgi.input"])
    request.environ["wsgi.input"] = tee
    response = consents.create()
    if response.status_code != 201:  # nothing stored (a replay answers 201 too)
        return response
    event = json.loads(bytes(tee.seen))
    site = registry().get(event["site"])
    cookie = site.manifest.get("cookie") if site else None
    if not cookie:  # a site built before first-party mode: the widget's own cookie stays
        return response
    choice = {key: event[key] for key in ("consent_id", "revision", "client_time", "choices")}
    value = quote(json.dumps(choice, separators=(",", ":")), safe=_URI_COMPONENT_SAFE)
    page = urlsplit(request.headers.get("Origin") or request.host_url)
    host, domain = page.hostname or "", cookie.get("domain")
    response.set_cookie(
        cookie["name"], value, max_age=cookie["lifetime_days"] * 86400, path="/",
        # the site's subdomains share it where the page is one of them, as the widget does
        domain=domain if domain and f".{host}".endswith(f".{domain}") else None,
        secure=page.scheme == "https", httponly=False, samesite="Lax")
    return response
