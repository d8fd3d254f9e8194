"""The Flask app: hosts the built bundle and the KPpay demo page."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # Where build.py writes the bundles; tests point it at a fresh build.
        DIST_DIR=str(ROOT / "dist"),
        # The site whose demo page `/` shows.
        DEMO_SITE="kppay",
    )
    if test_config is not None:
        app.config.update(test_config)

    from . import bundle, demo, preview

    app.register_blueprint(bundle.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(preview.bp)
    return app
