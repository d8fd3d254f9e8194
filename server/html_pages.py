"""What every HTML page of ours carries (the console's, the rights form's): a strict CSP and its
sibling headers, no shared or back-button cache, and a check on every POST that it was sent from
one of our pages: a CSRF token (the console, where a session exists anyway), or, for pages that
must set no cookie before the visitor acts (the rights form), the headers browsers add."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

# Nothing but our own files, no inline script or style, never framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def sent_from_our_pages() -> bool:
    """Whether a POST comes from a page of this origin, by the headers browsers add to every
    request (the check of Go's net/http CrossOriginProtection): Sec-Fetch-Site where the
    browser sends it, else Origin. A request with neither comes from no browser: no visitor's
    browser was made to send it, so there is no forgery to refuse."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


def guard(bp: Blueprint, expired, cached_endpoint: str | None = None,
          tokens: bool = True) -> None:
    """Register the CSRF check and the headers on `bp`'s pages. `expired()` is the 400's text
    (in the page's language); `cached_endpoint`: the one endpoint (static files) that may be
    cached, because it is the same for everyone; `tokens`: whether forms carry a CSRF token
    (kept in the session) or are checked by their request's headers alone."""

    @bp.before_request
    def _csrf():
        if request.method != "POST":
            return
        if not tokens:
            if not sent_from_our_pages():
                current_app.logger.info("%s: form refused (sent from another site)", bp.name)
                abort(400, expired())
            return
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            current_app.logger.info("%s: form refused (%s)", bp.name, exc)
            abort(400, expired())

    @bp.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != cached_endpoint:
            # Records, figures and requests are personal: no shared or back-button cache.
            response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
        return response
