"""The KPpay demo: what a site owner's pages look like with the banner on them."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, send_from_directory

from server.bundle import manifest

from .markdown import render

bp = Blueprint("demo", __name__, template_folder="templates")

FILES = Path(__file__).resolve().parent / "demo_site"


def _page(template: str, **context):
    site = current_app.config["CONSENT_DEMO_SITE"]
    script = manifest(site)["files"]["consent.js"]
    return render_template(template, site=site, script=script, **context)


@bp.get("/")
def index():
    return _page("demo.html")


@bp.get("/politique-cookies")
def policy():
    """The policy the banner links to (KPpay's text, rendered from Markdown)."""
    text = (FILES / "politique-cookies.md").read_text(encoding="utf-8")
    return _page("policy.html", policy=render(text))


@bp.get("/demo/social-embed")
def social_embed():
    """A local stand-in for a social network's embed, loaded only once "social" is granted."""
    return render_template("social_embed.html")


@bp.get("/demo/<any('analytics.js', 'demo.css'):name>")
def asset(name: str):
    return send_from_directory(FILES, name, max_age=60)
