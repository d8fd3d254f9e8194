"""The Flask app: hosts the built bundle, logs proofs of consent, and shows the KPpay demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """The app; settings come from the environment, or only from `test_config` when given.

    A wrong setting raises ConfigError under tests and otherwise stops with one line.
    """
    # The instance folder holds the demo's SQLite file and the generated secret.
    if test_config is not None:
        instance_path = test_config.get("INSTANCE_PATH")
    else:
        instance_path = os.environ.get("CONSENT_INSTANCE_PATH") or None
    if instance_path:
        instance_path = os.path.abspath(instance_path)
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(settings.defaults(app.instance_path, str(ROOT / "dist")))
    if test_config is None:
        app.config.update(settings.from_environ(os.environ))
    else:
        app.config.update(test_config)
    try:
        _configure(app)
    except settings.ConfigError as exc:
        if test_config is not None:
            raise
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return app


def _configure(app: Flask) -> None:
    from . import (
        bundle,
        commands,
        consents,
        console,
        db,
        demo,
        first_party,
        health,
        logs,
        migrate,
        openapi,
        preview,
        ratelimit,
        secrets_file,
        sites,
    )

    settings.check(app.config)
    secret = app.config["CONSENT_SECRET"] or secrets_file.load_or_create(app.instance_path)
    app.extensions["consent_keys"] = {"ip": secrets_file.derive(secret, "ip-pseudonym"),
                                      "receipt": secrets_file.derive(secret, "receipt"),
                                      "erased": secrets_file.derive(secret, "erased-event"),
                                      "console": secrets_file.derive(secret, "console-session")}
    app.extensions["consent_limiter"] = ratelimit.make_limiter(app.config)
    app.extensions["consent_sites"] = sites.Registry(app.config)
    if app.config["PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"],
                                x_proto=app.config["PROXIES"], x_host=app.config["PROXIES"])
    logs.init_app(app)
    db.init_app(app)
    migrate.init_app(app)
    commands.init_app(app)
    try:
        migrate.auto_upgrade(app)
    except Exception as exc:  # noqa: BLE001 - any failure here must be one readable line
        raise settings.ConfigError(f"could not migrate DATABASE_URL at start: "
                                   f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc

    app.register_blueprint(bundle.bp)
    app.register_blueprint(consents.bp, url_prefix=app.config["CONSENTS_PATH"])
    app.register_blueprint(first_party.bp, url_prefix=app.config["CONSENTS_PATH"])
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(preview.bp)
    console.init_app(app)

    @app.errorhandler(HTTPException)
    def json_error(error: HTTPException):
        """Every HTTP error as the API's JSON shape, so that clients parse one format."""
        response = jsonify(error=error.description, field=None)
        response.status_code = error.code or 500
        if getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
