"""The production Flask app: hosts the built bundles and keeps the proofs of consent.

The demo and the translators' preview are development tools, in the consent_dev package, which
adds them to this app only when asked (`flask --app consent_dev run`, what scripts/demo does).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping | None = None) -> Flask:
    """The app; settings come from the environment, or only from `test_config` when given
    (the same names as the environment's, plus Flask's TESTING).

    A wrong setting raises ConfigError under tests and otherwise stops with one line.
    """
    source = os.environ if test_config is None else test_config
    app = Flask(__name__, instance_relative_config=True, instance_path=_instance_path(source))
    app.config["TESTING"] = bool(test_config and test_config.get("TESTING"))
    try:
        app.config.update(load_settings(source, app.instance_path))
        _configure(app)
    except settings.ConfigError as exc:
        if test_config is not None:
            raise
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return app


def load_settings(source: Mapping, instance_path: str | None = None) -> dict:
    """The checked settings (server/config.py) from `source`, in the instance folder given, or
    else in CONSENT_INSTANCE_PATH or Flask's default one; ConfigError on a wrong one."""
    instance_path = instance_path or _instance_path(source) or Flask(__name__).instance_path
    return settings.load({**source, "CONSENT_INSTANCE_PATH": instance_path},
                         str(ROOT / "dist"), str(ROOT / "translations"))


def _instance_path(source: Mapping) -> str | None:
    """CONSENT_INSTANCE_PATH made absolute; None when unset (Flask's default then)."""
    path = source.get("CONSENT_INSTANCE_PATH") or None
    return os.path.abspath(path) if path else None


def _configure(app: Flask) -> None:
    from . import (
        bundle,
        commands,
        consents,
        console,
        db,
        errors,
        health,
        jwks,
        logs,
        migrate,
        openapi,
        ratelimit,
        secrets_file,
        signing,
        sites,
    )
    from .account_links import api as account_links
    from .account_links import cli as account_keys
    from .proof import releases
    from .rights import views as rights
    from .webhooks import cli as webhooks

    secret = app.config["CONSENT_SECRET"] or secrets_file.load_or_create(app.instance_path)
    app.extensions["consent_keys"] = {"ip": secrets_file.derive(secret, "ip-pseudonym"),
                                      "receipt": secrets_file.derive(secret, "receipt"),
                                      "erased": secrets_file.derive(secret, "erased-event"),
                                      "console": secrets_file.derive(secret, "console-session"),
                                      "api-key": secrets_file.derive(secret, "api-key"),
                                      "account": secrets_file.derive(secret, "account-id"),
                                      # Seals the webhook endpoints' secrets (AES-256-GCM).
                                      "webhook": secrets_file.derive(secret, "webhook-secrets")}
    try:
        app.extensions["consent_signing"] = signing.load(signing.folder_of(app.config))
    except (OSError, ValueError) as exc:
        raise settings.ConfigError(f"CONSENT_SIGNING_KEYS: {exc}") from exc
    app.extensions["consent_limiter"] = ratelimit.make_limiter(app.config)
    app.extensions["consent_sites"] = sites.Registry(app.config)
    # The consent POST's lean path, inside ProxyFix: it reads the client address ProxyFix sets.
    app.wsgi_app = consents.Endpoint(app, app.wsgi_app)
    proxies = app.config["CONSENT_PROXIES"]
    if proxies:
        # x_prefix: a site's proxied path (first-party mode) in the links and cookie paths
        # of our pages (the rights form) when its proxy says X-Forwarded-Prefix.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_prefix=proxies)
    logs.init_app(app)
    errors.init_app(app)
    db.init_app(app)
    migrate.init_app(app)
    commands.init_app(app)
    webhooks.init_app(app)
    try:
        migrate.auto_upgrade(app)
    except Exception as exc:  # noqa: BLE001 - any failure here must be one readable line
        raise settings.ConfigError(f"could not migrate DATABASE_URL at start: "
                                   f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc

    releases.register_at_start(app)

    app.register_blueprint(bundle.bp)
    app.register_blueprint(consents.bp, url_prefix=app.config["CONSENT_PATH"])
    app.register_blueprint(health.bp)
    app.register_blueprint(jwks.bp)
    app.register_blueprint(openapi.bp)
    console.init_app(app)
    rights.init_app(app)
    account_links.init_app(app)
    account_keys.init_app(app)
