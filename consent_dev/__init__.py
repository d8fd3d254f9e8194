"""Development tools on top of the production app: the KPpay demo (`/`, the policy page, a
social embed stand-in) and the translators' preview (`/preview/<site>`).

`flask --app consent_dev run` (scripts/demo) serves the production app with both added; the
production app (`server`) knows nothing of them and imports nothing from the build. Settings,
besides the server's: CONSENT_DEMO_SITE (the site `/` shows, `kppay`) and CONSENT_SITES_DIR
(the site files whose texts the preview lists, `sites/`); the preview reads the catalogs of
the server's CONSENT_TRANSLATIONS_DIR.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

import server
from consent_build.site_config import SITES_FOLDER

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {"CONSENT_DEMO_SITE": "kppay", "CONSENT_SITES_DIR": str(ROOT / SITES_FOLDER)}


def create_app(test_config: Mapping | None = None) -> Flask:
    app = server.create_app(test_config)
    add_tools(app, os.environ if test_config is None else test_config)
    return app


def add_tools(app: Flask, source: Mapping) -> None:
    from . import demo, preview

    for name, default in DEFAULTS.items():
        app.config[name] = source.get(name) or default
    app.register_blueprint(demo.bp)
    app.register_blueprint(preview.bp)
