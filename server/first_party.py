"""First-party mode (issue 15): Safari and Brave keep a cookie written by script 7 days at most,
one set by an HTTP answer for as long as it says. Where a site proxies a path of its own origin
to this server, the widget's POST is same-origin and carries the consent cookie it has just
written; the 201 sends that same cookie back in a Set-Cookie, with the site's lifetime, and it
replaces the script's. Only the cookie that holds this very event's choice is sent back: events
sent in parallel may be answered out of order, and an older one must not undo a newer choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, request

import consent_cookie

from .html_pages import sent_from_our_pages

DAY_SECONDS = 86400


def reissue(response: Response, manifest: dict, body: dict, own_origin: str) -> None:
    """Add the Set-Cookie of first-party mode to a consent's 201 when it is due; no other
    cookie of the request is read."""
    # From a page of this origin, as browsers say it (Sec-Fetch-Site, else Origin), and with
    # an Origin that is what this server makes of Host and the scheme (behind the site's
    # proxy: X-Forwarded-Host and -Proto), which the cookie's Domain and Secure follow.
    if not (sent_from_our_pages() and request.headers.get("Origin") == own_origin):
        return
    name = manifest["cookie_name"]
    # Two cookies of that name (host-only and on the site's domain, say): the one of this event.
    value = next((v for v in request.cookies.getlist(name) if consent_cookie.holds(v, body)),
                 None)
    if value is None:
        return
    # As the widget writes it (banner_src/js/cookies.js), so that this one replaces it.
    host, domain = urlsplit(f"//{request.host}").hostname or "", manifest.get("cookie_domain")
    on_domain = domain and f".{host}".endswith(f".{domain}")
    response.set_cookie(name, value, max_age=manifest["lifetime_days"] * DAY_SECONDS, path="/",
                        domain=domain if on_domain else None, secure=request.is_secure,
                        samesite="Lax")
