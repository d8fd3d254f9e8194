"""The KPpay demo page: what a site owner's page looks like with the banner on it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .bundle import manifest

bp = Blueprint("demo", __name__)


@bp.get("/")
def index():
    site = current_app.config["DEMO_SITE"]
    script = manifest(site)["files"]["consent.js"]
    return render_template("demo.html", site=site, script=script)
