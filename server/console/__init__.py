"""The owner's console at /admin: consent figures per site, records with their receipts
checked, the tag to paste, and the server's health with the origins it refused."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from . import (
    account_pages,  # noqa: F401 - its routes join the console's blueprint
    accounts,
    cli,
    i18n,
    inbox,  # noqa: F401 - its routes join the console's blueprint
    views,
    webhooks,  # noqa: F401 - its routes join the console's blueprint
)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https, one per
    area of the site (`SESSION_AREAS`: path -> cookie name), each sent to its own path only
    and signed with its own salt: the console's (/admin) and the rights form's (/rights, for
    its CSRF token and language). Elsewhere (the consent endpoint, hundreds a second) no session
    cookie is read, so no signature is checked."""

    def _area(self, app: Flask) -> str | None:
        for path in app.config["SESSION_AREAS"]:
            if request.path == path or request.path.startswith(path + "/"):
                return path
        return None

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure

    def get_cookie_path(self, app: Flask) -> str:
        # Under the prefix a site's proxy gives us (first-party mode), if any.
        return request.script_root + (self._area(app) or app.config["SESSION_COOKIE_PATH"])

    def get_cookie_name(self, app: Flask) -> str:
        area = self._area(app)
        return app.config["SESSION_AREAS"][area] if area else app.config["SESSION_COOKIE_NAME"]

    def get_signing_serializer(self, app: Flask):
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            # One area's cookie is never accepted as another's.
            serializer.salt = f"{self.salt} {self.get_cookie_name(app)}"
        return serializer

    def open_session(self, app: Flask, request):
        if self._area(app) is None:
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    # Sessions live in their areas only (SESSION_AREAS: the console's here, the rights form's
    # added by server/rights), each cookie sent to its own path: the consent endpoint reads
    # and sets no session (only the consent cookie, in first-party mode: server/first_party).
    app.secret_key = app.extensions["consent_keys"]["console"]
    app.config.update(SESSION_COOKIE_NAME="console_session", SESSION_COOKIE_PATH="/admin",
                      SESSION_AREAS={"/admin": "console_session"},
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=views.IDLE,
                      # The CSRF token lasts as long as the session that holds it.
                      WTF_CSRF_TIME_LIMIT=int(views.ABSOLUTE / timedelta(seconds=1)))
    app.session_interface = SessionInterface()
    app.extensions["console_login_limiter"] = accounts.login_limiter(app.config)
    i18n.init_app(app)
    cli.init_app(app)
    app.register_blueprint(views.bp, url_prefix="/admin")
