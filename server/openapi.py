"""`GET /api/openapi.json`: the public API, described for clients and checked by the tests."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("openapi", __name__)


@bp.get("/api/openapi.json")
def openapi_json():
    response = jsonify(document(current_app.config["CONSENTS_PATH"]))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def document(path: str) -> dict:
    return {"openapi": "3.1.0", "info": {"title": "Consent banner server", "version": "1"},
            "paths": {}}
