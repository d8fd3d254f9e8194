"""`/.well-known/jwks.json`: the public keys of every key that signed receipts or log heads."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("jwks", __name__)


@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(current_app.extensions["consent_signing"].jwks)
    # Anyone may fetch it, from any page; a rotation shows within the hour.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.content_type = "application/jwk-set+json"
    return response
