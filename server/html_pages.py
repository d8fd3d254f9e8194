"""What every HTML page of ours carries (the console's, the rights form's): a strict CSP and its
sibling headers, no shared or back-button cache, and a CSRF token checked on every POST."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

# Nothing but our own files, no inline script or style, never framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def guard(bp: Blueprint, expired, cached_endpoint: str | None = None) -> None:
    """Register the CSRF check and the headers on `bp`'s pages. `expired()` is the 400's text
    (in the page's language); `cached_endpoint`: the one endpoint (static files) that may be
    cached, because it is the same for everyone."""

    @bp.before_request
    def _csrf():
        if request.method == "POST":
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
