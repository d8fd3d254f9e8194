"""`/.well-known/jwks.json`: the public keys of every key that signed receipts or log heads."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from . import signing

bp = Blueprint("jwks", __name__)


@bp.get("/.well-known/jwks.json")
def jwks():
    # Read at each request (a few small files, rarely asked for): a key made by a rotation on
    # another machine of the same folder is published before this worker restarts to use it.
    active = current_app.extensions["consent_signing"].kid
    response = jsonify(signing.jwks_of(signing.folder_of(current_app.config), active))
    # Anyone may fetch it, from any page; a rotation shows within the hour.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.content_type = "application/jwk-set+json"
    return response
