"""The one error path: every JSON error answer is raised with `fail` (or by Flask and Werkzeug
themselves) and written by one handler in the contract's shape `{"error": ..., "field": ...}`."""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from .contract import error_body


class ApiError(HTTPException):
    """An HTTP error with the field at fault and the headers its answer needs."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 headers: dict | None = None):
        super().__init__(description=message)
        self.code, self.field, self.extra_headers = status, field, headers or {}


def fail(status: int, message: str, field: str | None = None, **headers: str) -> NoReturn:
    raise ApiError(status, message, field, headers)


def answer(error: HTTPException):
    """Any HTTP error as the API's JSON shape, so that clients parse one format."""
    response = jsonify(error_body(error.description, getattr(error, "field", None)))
    response.status_code = error.code or 500
    response.headers.update(getattr(error, "extra_headers", {}))
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, answer)
