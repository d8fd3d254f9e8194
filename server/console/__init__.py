"""The owner's console at /admin: consent figures per site, records with their receipts
checked, the tag to paste, and the server's health with the origins it refused."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from . import accounts, cli, i18n, views


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https, and opened
    only under the cookie's own path: elsewhere (the consent endpoint, hundreds a second) no
    cookie is read, so no signature is checked."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure

    def open_session(self, app: Flask, request):
        cookie_path = self.get_cookie_path(app)
        if request.path != cookie_path and not request.path.startswith(cookie_path + "/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    # Only the console has a session: its cookie is sent to /admin and nowhere else, so the
    # consent endpoint still never sets nor reads a cookie.
    app.secret_key = app.extensions["consent_keys"]["console"]
    app.config.update(SESSION_COOKIE_NAME="console_session", SESSION_COOKIE_PATH="/admin",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=views.IDLE,
                      # The CSRF token lasts as long as the session that holds it.
                      WTF_CSRF_TIME_LIMIT=int(views.ABSOLUTE / timedelta(seconds=1)))
    app.session_interface = SessionInterface()
    app.extensions["console_login_limiter"] = accounts.login_limiter(app.config)
    i18n.init_app(app)
    cli.init_app(app)
    app.register_blueprint(views.bp, url_prefix="/admin")
