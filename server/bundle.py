"""Serve dist/<site>/ files: the widget bundle and its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("bundle", __name__)


def manifest(site: str) -> dict:
    """The build's manifest for `site`; 404 when the site was never built."""
    path = Path(current_app.config["DIST_DIR"]) / site / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        abort(404)


@bp.get("/c/<site>/<path:filename>")
def bundle_file(site: str, filename: str):
    # send_from_directory refuses paths that leave the folder.
    return send_from_directory(Path(current_app.config["DIST_DIR"]) / site, filename)
